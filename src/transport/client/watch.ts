// A watch that survives reconnects: it resumes from the last safe resourceVersion, drops replayed
// duplicates, and on Expired relists and delivers synthetic events so the consumer's view
// converges to the store's. The consumer always sees ADDED for an object new to it, MODIFIED for
// one it has, DELETED for one it had; never the same version twice.
import { ApiError, isExpired, type Resource } from '../../api/index.js';
import type { WatchEvent } from '../../store/types.js';
import type { WatchErrorMessage, WatchEventMessage } from '../protocol.js';
import type { RequestBody, StreamHandler } from './conn.js';
import type { StreamHost } from './host.js';
import { RetryingStream } from './retrying-stream.js';

export interface WatchOptions {
  kind: string;
  namespace?: string;
  name?: string;
  labelSelector?: string;
  /** Start after this revision. Omitted: every current object arrives as ADDED first. */
  resourceVersion?: string;
  /** Deliver BOOKMARK events to the consumer (the client always asks the server for them). */
  bookmarks?: boolean;
}

/** A store watch event; `synthetic` when made up by the client after a relist (the server never sent it). */
export type ClientWatchEvent = WatchEvent & { synthetic?: true };

export interface ClientWatch {
  /** The newest revision the consumer's view is known to be complete at (a safe resume point). */
  readonly resourceVersion: string | undefined;
  /** Resolves once the server accepted the first watch request (rejects if it was refused). */
  readonly started: Promise<void>;
  close(): void;
}

interface Known {
  readonly uid: string;
  readonly rv: number;
  readonly object: Resource;
}

const rvOf = (o: { metadata: { resourceVersion: string } }): number => Number(o.metadata.resourceVersion) || 0;
const keyOf = (o: Resource): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class ReconnectingWatch extends RetryingStream implements ClientWatch {
  private readonly known = new Map<string, Known>();
  /** Deleted objects by key, so a replayed older event cannot bring them back. */
  private readonly tombstones = new Map<string, { uid: string; rv: number }>();
  private resumeRv: number | undefined;
  /** Events that may arrive out of revision order (initial state, conflated runs) hold the resume point. */
  private unsyncedMax = 0;
  private unsynced = false;
  /** True when `known` mirrors the server (so deletes of unknown objects are noise). */
  private complete = false;

  constructor(
    host: StreamHost,
    private readonly opts: WatchOptions,
    private readonly onEvent: (ev: ClientWatchEvent) => void,
    onError?: (err: ApiError) => void,
  ) {
    super(host, 'watch', onError);
    if (opts.resourceVersion !== undefined && opts.resourceVersion !== '' && opts.resourceVersion !== '0') {
      this.resumeRv = Number(opts.resourceVersion);
    }
    void this.run(false);
  }

  get resourceVersion(): string | undefined {
    return this.resumeRv === undefined ? undefined : String(this.resumeRv);
  }

  protected cancelRequest(id: number): RequestBody<'unwatch'> {
    return { op: 'unwatch', watch: id };
  }

  /** One attempt: optionally relist, then open the server watch. Failures schedule a retry. */
  private async run(relist: boolean): Promise<void> {
    if (this.stopped || this.host.closed) return;
    try {
      if (relist) await this.relist();
      if (this.stopped) return;
      const conn = await this.host.connection();
      if (this.stopped) return;
      const id = conn.newId();
      const fromInitial = this.resumeRv === undefined;
      // A replay from a resume point is in revision order; an initial state is not.
      this.unsynced = fromInitial;
      this.unsyncedMax = 0;
      const handler: StreamHandler<WatchEventMessage | WatchErrorMessage> = {
        onMessage: (m) => this.onMessage(id, m),
        onConnectionClosed: () => this.onStreamLost(id),
      };
      this.current = { conn, id };
      await conn.request(
        {
          op: 'watch',
          kind: this.opts.kind,
          ...(this.opts.namespace !== undefined ? { namespace: this.opts.namespace } : {}),
          ...(this.opts.name !== undefined ? { name: this.opts.name } : {}),
          ...(this.opts.labelSelector !== undefined ? { labelSelector: this.opts.labelSelector } : {}),
          ...(this.resumeRv !== undefined ? { resourceVersion: String(this.resumeRv) } : {}),
          bookmarks: true,
        },
        { id, handler },
      );
      if (fromInitial) this.complete = true;
      this.opened();
    } catch (e) {
      this.failed(e, false);
    }
  }

  private failed(e: unknown, relist: boolean): void {
    if (this.stopped) return;
    // Expired is not a failure of the stream: list again, then watch from the list.
    if (isExpired(e)) {
      this.current = undefined;
      this.schedule(true, this.backoff.next());
      return;
    }
    this.retryOrGiveUp(e, () => void this.run(relist || this.resumeRv === undefined));
  }

  private schedule(relist: boolean, delayMs: number): void {
    this.retryIn(delayMs, () => void this.run(relist || this.resumeRv === undefined));
  }

  private onStreamLost(id: number): void {
    if (this.current?.id !== id) return;
    this.failed(new ApiError(503, 'ServiceUnavailable', 'watch connection lost'), false);
  }

  private onMessage(id: number, m: WatchEventMessage | WatchErrorMessage): void {
    if (this.stopped || this.current?.id !== id) return;
    if (m.type === 'ERROR') {
      this.current.conn.dropHandler(id);
      this.failed(ApiError.fromStatus(m.object), false);
      return;
    }
    if (m.type === 'BOOKMARK') {
      // A bookmark comes after everything before it: the resume point is safe again.
      this.advance(Math.max(rvOf(m.object), this.unsyncedMax));
      this.unsynced = false;
      if (this.opts.bookmarks) this.emit({ type: m.type, object: m.object });
      return;
    }
    const { type, object: obj } = m;
    const rv = rvOf(obj);
    this.apply(type, obj);
    if (m.conflated === true || this.unsynced) {
      this.unsynced = true;
      this.unsyncedMax = Math.max(this.unsyncedMax, rv);
    } else {
      this.advance(rv);
    }
  }

  private advance(rv: number): void {
    if (this.resumeRv === undefined || rv > this.resumeRv) this.resumeRv = rv;
    this.unsyncedMax = 0;
    for (const [k, t] of this.tombstones) if (t.rv <= (this.resumeRv ?? 0)) this.tombstones.delete(k);
  }

  /** Applies one server event to the view, delivering it only if it is news. */
  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: Resource, synthetic = false): void {
    const key = keyOf(obj);
    const uid = obj.metadata.uid;
    const rv = rvOf(obj);
    const prev = this.known.get(key);
    if (type === 'DELETED') {
      if (prev && prev.uid !== uid) return; // an older incarnation; we already moved on
      if (prev && prev.rv > rv) return;
      if (!prev) {
        const tomb = this.tombstones.get(key);
        if ((tomb && tomb.uid === uid && tomb.rv >= rv) || this.complete) return;
      }
      this.known.delete(key);
      this.tombstones.set(key, { uid, rv });
      this.emit({ type, object: obj, ...(synthetic ? { synthetic } : {}) });
      return;
    }
    if (prev && prev.uid === uid && prev.rv >= rv) return;
    if (!prev) {
      const tomb = this.tombstones.get(key);
      if (tomb && tomb.uid === uid && tomb.rv >= rv) return;
    }
    if (prev && prev.uid !== uid) {
      this.emit({ type: 'DELETED', object: prev.object, synthetic: true });
      this.known.delete(key);
    }
    const had = this.known.has(key);
    this.known.set(key, { uid, rv, object: obj });
    this.tombstones.delete(key);
    this.emit({ type: had ? 'MODIFIED' : 'ADDED', object: obj, ...(synthetic ? { synthetic } : {}) });
  }

  /** Lists, then brings the consumer's view to the list with synthetic events. */
  private async relist(): Promise<void> {
    const list = await this.host.list(this.opts.kind, {
      ...(this.opts.namespace !== undefined ? { namespace: this.opts.namespace } : {}),
      ...(this.opts.labelSelector !== undefined ? { labelSelector: this.opts.labelSelector } : {}),
      ...(this.opts.name !== undefined ? { name: this.opts.name } : {}),
    });
    if (this.stopped) return;
    this.tombstones.clear();
    const present = new Set<string>();
    for (const item of list.items) {
      present.add(keyOf(item));
      this.apply('ADDED', item, true);
    }
    for (const [key, k] of [...this.known]) {
      if (present.has(key)) continue;
      this.known.delete(key);
      this.emit({ type: 'DELETED', object: k.object, synthetic: true });
    }
    this.complete = true;
    this.unsynced = false;
    this.unsyncedMax = 0;
    this.resumeRv = Number(list.resourceVersion);
  }

  private emit(ev: ClientWatchEvent): void {
    try {
      this.onEvent(ev);
    } catch (e) {
      this.host.log?.error({ err: e }, 'watch consumer threw');
    }
  }
}
