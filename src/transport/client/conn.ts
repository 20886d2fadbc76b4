// One client WebSocket: dialing (Unix socket or TCP), request/response correlation with timeouts,
// and routing of stream messages (watch, conditions, logs) to their handlers by request id.
import { WebSocket, type RawData } from 'ws';
import { ApiError, type StatusBody } from '../../api/index.js';
import type { Logger } from '../../log.js';
import { createCodec, type Codec } from '../codec.js';
import {
  SUBPROTOCOL_JSON,
  SUBPROTOCOL_MSGPACK,
  type Encoding,
  type Op,
  type Request,
  type RequestId,
  type ResultOf,
  type WatchEventMessage,
  type WatchErrorMessage,
  type ConditionMessage,
  type LogMessage,
} from '../protocol.js';
import { closedError, dialError, handshakeRefusedError, handshakeTimeoutError, tooLargeError } from './errors.js';

const utf8 = new TextEncoder();

export type RequestBody<O extends Op> = { op: O } & Omit<Extract<Request, { op: O }>, 'id' | 'op'>;

/** A message of an open stream (watch, conditions or logs), routed by its stream id. */
export type StreamMessage = WatchEventMessage | WatchErrorMessage | ConditionMessage | LogMessage;

/** Receives the messages of one stream, and learns when the connection under it is gone. */
export interface StreamHandler<M extends StreamMessage = StreamMessage> {
  /** The daemon sends a stream only the messages of its own kind (see protocol.ts). */
  onMessage(msg: M): void;
  onConnectionClosed(err: ApiError): void;
}

export interface DialTarget {
  /** `ws://127.0.0.1:<port>`, used when there is no socket path or it cannot be reached. */
  readonly url?: string;
  readonly socketPath?: string;
  readonly token: string;
}

export interface ConnOptions {
  readonly encoding: Encoding;
  readonly requestTimeoutMs: number;
  /** How long the WebSocket handshake may take (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** Largest frame the gateway accepts; a larger request is refused before it is sent. */
  readonly maxPayload: number;
  readonly log?: Logger;
}

interface PendingRequest {
  readonly op: Op;
  resolve(v: unknown): void;
  reject(e: ApiError): void;
  readonly timer: NodeJS.Timeout;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;

function openSocket(address: string, token: string, encoding: Encoding, handshakeMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address, [encoding === 'msgpack' ? SUBPROTOCOL_MSGPACK : SUBPROTOCOL_JSON], {
      headers: { Authorization: `Bearer ${token}` },
      perMessageDeflate: false,
    });
    let settled = false;
    const fail = (e: ApiError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(e);
    };
    // Our own timer rather than ws's handshakeTimeout, whose error is told apart only by its text.
    const timer = setTimeout(() => fail(handshakeTimeoutError(address, handshakeMs)), handshakeMs);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on('end', () => fail(handshakeRefusedError(address, res.statusCode ?? 0, body.trim())));
      res.on('error', () => fail(handshakeRefusedError(address, res.statusCode ?? 0, body.trim())));
    });
    ws.once('error', (e) => fail(dialError(address, e)));
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ws);
    });
  });
}

export class Conn {
  private readonly codec: Codec;
  private readonly pending = new Map<RequestId, PendingRequest>();
  private readonly handlers = new Map<RequestId, StreamHandler>();
  private readonly closeListeners: ((err: ApiError) => void)[] = [];
  private nextId = 1;
  private closedWith: ApiError | undefined;

  private constructor(
    private readonly ws: WebSocket,
    private readonly opts: ConnOptions,
  ) {
    this.codec = createCodec(opts.encoding);
    ws.on('error', (err) => opts.log?.debug({ err }, 'gateway socket error'));
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.once('close', (code, reason) => this.onClose(closedError(code, reason.toString())));
  }

  /** Dials the Unix socket when there is one, else (or when it is unreachable) the TCP URL. */
  static async open(target: DialTarget, opts: ConnOptions): Promise<Conn> {
    const handshakeMs = opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    let firstError: ApiError | undefined;
    if (target.socketPath) {
      try {
        return new Conn(await openSocket(`ws+unix:${target.socketPath}:/`, target.token, opts.encoding, handshakeMs), opts);
      } catch (e) {
        firstError = e as ApiError;
        // Refused on the socket for a reason other than reachability: TCP would say the same.
        if (firstError.code !== 503 || !target.url) throw firstError;
      }
    }
    if (target.url) return new Conn(await openSocket(target.url, target.token, opts.encoding, handshakeMs), opts);
    throw firstError ?? new ApiError(400, 'BadRequest', 'nothing to connect to: give an endpoint file, a socket path or a URL');
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  /** Called once when the connection closes (by either side). */
  onClosed(fn: (err: ApiError) => void): void {
    if (this.closedWith) fn(this.closedWith);
    else this.closeListeners.push(fn);
  }

  newId(): number {
    return this.nextId++;
  }

  /**
   * Sends a request and resolves with its result. With `handler`, stream messages carrying this
   * request's id go to it (registered before sending, so none is missed).
   */
  request<O extends Op>(body: RequestBody<O>, o: { id?: number; handler?: StreamHandler; timeoutMs?: number } = {}): Promise<ResultOf[O]> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = o.id ?? this.newId();
    const op = body.op as O;
    return new Promise<ResultOf[O]>((resolve, reject) => {
      const timeoutMs = o.timeoutMs ?? this.opts.requestTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        if (o.handler) this.handlers.delete(id);
        reject(new ApiError(504, 'Timeout', `no answer to "${op}" within ${timeoutMs} ms; the daemon may be overloaded or stuck`, { retryAfterSeconds: 1 }));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { op, resolve: resolve as (v: unknown) => void, reject, timer });
      if (o.handler) this.handlers.set(id, o.handler);
      try {
        const frame = this.codec.encode({ id, ...body });
        // The gateway closes the whole connection (1009) on an oversized frame, failing every
        // request on it with a bare "connection closed": refuse this one request instead.
        // TextEncoder, not Buffer: the status page runs this client in a browser.
        const size = typeof frame === 'string' ? utf8.encode(frame).length : frame.length;
        if (size > this.opts.maxPayload) {
          clearTimeout(timer);
          this.pending.delete(id);
          this.handlers.delete(id);
          reject(tooLargeError(op, size, this.opts.maxPayload));
          return;
        }
        this.ws.send(frame, { binary: this.codec.binary });
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        this.handlers.delete(id);
        reject(new ApiError(503, 'ServiceUnavailable', `cannot send to the daemon: ${(e as Error).message}`));
      }
    });
  }

  /** Stops routing a stream's messages (after cancel, or when the stream ended). */
  dropHandler(id: RequestId): void {
    this.handlers.delete(id);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000, 'client closing');
  }

  /** Immediately drops the socket (tests use it to simulate a network failure). */
  terminate(): void {
    this.ws.terminate();
  }

  /** The raw socket, for tests that need to pause reading. */
  get socket(): WebSocket {
    return this.ws;
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    let msg: unknown;
    try {
      if (isBinary !== this.codec.binary) throw new Error('unexpected frame type');
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      msg = this.codec.decode(buf);
    } catch (e) {
      this.opts.log?.warn({ err: e }, 'undecodable frame from the daemon');
      this.ws.close(1007, 'undecodable frame');
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as Record<string, unknown>;
    // Frames come from the daemon, which speaks protocol.ts; a frame with a stream id is a stream message.
    if (typeof m.ok === 'boolean' && 'id' in m) {
      const p = this.pending.get(m.id as RequestId);
      if (!p) return;
      this.pending.delete(m.id as RequestId);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else {
        this.handlers.delete(m.id as RequestId);
        p.reject(ApiError.fromStatus(m.error as StatusBody));
      }
      return;
    }
    const sid = (m.watch ?? m.sub ?? m.stream) as RequestId | undefined;
    if (sid === undefined) return;
    const h = this.handlers.get(sid);
    if (!h) return;
    try {
      h.onMessage(msg as StreamMessage);
    } catch (e) {
      this.opts.log?.error({ err: e, stream: sid }, 'stream handler threw');
    }
  }

  private onClose(err: ApiError): void {
    this.closedWith = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    const handlers = [...this.handlers.values()];
    this.handlers.clear();
    for (const h of handlers) {
      try {
        h.onConnectionClosed(err);
      } catch (e) {
        this.opts.log?.error({ err: e }, 'stream close handler threw');
      }
    }
    for (const fn of this.closeListeners.splice(0)) fn(err);
  }
}
