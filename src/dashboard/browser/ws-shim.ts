// The browser build of the client library replaces the `ws` package with this adapter over the
// browser's WebSocket, so the page runs the project's own client (reconnects, stream resumption,
// waits) unchanged. Browsers cannot send headers, so the bearer credential the client would put in
// `Authorization` goes in the `rdd.token.<credential>` subprotocol entry, as docs/protocol.md §2 allows.
import { TOKEN_SUBPROTOCOL_PREFIX } from '../../transport/protocol.js';
import { TextFrame } from './node-globals.js';

type Listener = (...args: unknown[]) => void;

interface ShimOptions {
  readonly headers?: Readonly<Record<string, string>>;
}

/** Set on the first socket that opens: the benchmark measures first paint from here. */
export const SOCKET_OPEN_MARK = 'rdd:socket-open';

export class WebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  private readonly ws: globalThis.WebSocket;
  private readonly listeners = new Map<string, { fn: Listener; once: boolean }[]>();

  constructor(address: string, protocols: readonly string[], o: ShimOptions = {}) {
    const bearer = /^Bearer\s+(.+)$/i.exec(o.headers?.Authorization ?? '')?.[1];
    this.ws = new globalThis.WebSocket(address, bearer ? [...protocols, `${TOKEN_SUBPROTOCOL_PREFIX}${bearer}`] : [...protocols]);
    this.ws.onopen = () => {
      if (performance.getEntriesByName(SOCKET_OPEN_MARK).length === 0) performance.mark(SOCKET_OPEN_MARK);
      this.emit('open');
    };
    // The browser hides why a handshake failed (401, 403 and "nothing listens" look alike).
    this.ws.onerror = () => this.emit('error', new Error(`the WebSocket to ${address} failed: the daemon is unreachable or refused the sign-in`));
    this.ws.onmessage = (e: MessageEvent<unknown>) => this.emit('message', new TextFrame(typeof e.data === 'string' ? e.data : ''), false);
    this.ws.onclose = (e: CloseEvent) => this.emit('close', e.code, new TextFrame(e.reason));
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  on(event: string, fn: Listener): this {
    return this.add(event, fn, false);
  }

  once(event: string, fn: Listener): this {
    return this.add(event, fn, true);
  }

  send(data: unknown): void {
    this.ws.send(typeof data === 'string' ? data : String(data));
  }

  close(code?: number, reason?: string): void {
    // Browsers only let a page send 1000 or 3000-4999.
    this.ws.close(code === 1000 || (code !== undefined && code >= 3000 && code < 5000) ? code : 1000, reason);
  }

  terminate(): void {
    this.ws.close();
  }

  private add(event: string, fn: Listener, once: boolean): this {
    const l = this.listeners.get(event) ?? [];
    l.push({ fn, once });
    this.listeners.set(event, l);
    return this;
  }

  private emit(event: string, ...args: unknown[]): void {
    const l = this.listeners.get(event);
    if (!l) return;
    this.listeners.set(
      event,
      l.filter((x) => !x.once),
    );
    for (const x of l) x.fn(...args);
  }
}

export type RawData = TextFrame;
