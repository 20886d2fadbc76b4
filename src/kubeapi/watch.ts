// `?watch=1`: a store watch streamed as chunked JSON, one `{"type","object"}` per line. Flow
// control is the gateway's Outbound with nothing conflated (Kubernetes clients resume from the
// last resourceVersion they saw, so events must stay in order): a reader that falls behind by
// more than the gateway's bounds is dropped, and re-watches from where it was.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isExpired, toApiError, type KindInfo } from '../api/index.js';
import type { Logger } from '../log.js';
import type { Store, WatchEvent, WatchHandle } from '../store/types.js';
import { Outbound, type OutboundLimits, type Sink } from '../transport/server/outbound.js';
import { fieldsMatch, type FieldRequirement } from './query.js';
import { toKubeStatus } from './status.js';
import { toTable, type IncludeObject } from './table.js';

export interface WatchParams {
  readonly kind: KindInfo;
  readonly namespace?: string;
  readonly name?: string;
  readonly labelSelector?: string;
  readonly fields: readonly FieldRequirement[];
  readonly resourceVersion?: string;
  readonly bookmarks: boolean;
  /** Closes the stream after this long (the client re-watches). */
  readonly timeoutMs: number;
  readonly table?: { include: IncludeObject };
}

export interface WatchDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly limits: OutboundLimits & { readonly bookmarkMs: number };
  /** Encoded lines shared by every watch that delivers the same event (fan-out encodes once). */
  readonly lines?: LineCache;
}

/**
 * The last few encoded events, keyed by type, uid and resourceVersion: a change watched by N
 * clients is stringified once instead of N times, as the gateway shares its frames.
 */
export class LineCache {
  private readonly map = new Map<string, string>();
  constructor(private readonly size = 256) {}

  get(key: string, make: () => string): string {
    let v = this.map.get(key);
    if (v === undefined) {
      v = make();
      this.map.set(key, v);
      if (this.map.size > this.size) this.map.delete(this.map.keys().next().value as string);
    }
    return v;
  }
}

interface Line {
  readonly type: string;
  readonly object: unknown;
}

export interface OpenWatch {
  /** Ends the stream (daemon shutdown). */
  close(): void;
  readonly done: Promise<void>;
}

export function serveWatch(req: IncomingMessage, res: ServerResponse, p: WatchParams, deps: WatchDeps): OpenWatch {
  let handle: WatchHandle | undefined;
  let ended = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const socket = res.socket;

  const sink: Sink = {
    get bufferedAmount() {
      return res.writableLength + (socket?.writableLength ?? 0);
    },
    isOpen: () => !ended && !res.destroyed,
    send: (frame) => {
      res.write(frame);
    },
  };
  const encode = (m: object): string => {
    // Outbound marks events it held back; Kubernetes events have no such field.
    const l = m as Line;
    return `${JSON.stringify({ type: l.type, object: l.object })}\n`;
  };

  const finish = (why: string): void => {
    if (ended) return;
    ended = true;
    clearInterval(bookmarkTimer);
    clearTimeout(timeout);
    handle?.close();
    out.dispose();
    deps.log.debug({ kind: p.kind.kind, why }, 'watch ended');
    if (!res.writableEnded) res.end();
    resolveDone();
  };

  const out = new Outbound(sink, deps.limits, {
    encode,
    onOverload: (reason) => {
      deps.log.info({ kind: p.kind.kind, reason }, 'dropping a slow watch reader');
      finish('overload');
      res.destroy();
    },
  });

  const toLine = (ev: WatchEvent): Line => {
    if (!p.table || ev.type === 'BOOKMARK') return { type: ev.type, object: ev.object };
    return { type: ev.type, object: toTable(p.kind, [ev.object], { include: p.table.include }) };
  };

  const deliver = (ev: WatchEvent): void => {
    // Field selectors on name/namespace never change for an object, so filtering is enough.
    if (ev.type !== 'BOOKMARK' && !fieldsMatch(p.fields, ev.object)) return;
    const line = toLine(ev);
    // One encoded line per event, shared by every watcher that sends it unchanged.
    const lines = !p.table && ev.type !== 'BOOKMARK' ? deps.lines : undefined;
    const key = ev.type === 'BOOKMARK' ? '' : `${ev.type}\0${ev.object.metadata.uid}\0${ev.object.metadata.resourceVersion}`;
    out.sendEvent({
      key: () => null,
      msg: () => line,
      ...(lines ? { frame: () => lines.get(key, () => encode(line)) } : {}),
    });
  };

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  req.on('close', () => finish('client closed'));
  res.on('error', () => finish('socket error'));

  const bookmarkTimer = p.bookmarks
    ? setInterval(() => {
        if (handle && !handle.closed) handle.bookmark();
      }, deps.limits.bookmarkMs)
    : undefined;
  bookmarkTimer?.unref();
  const timeout = setTimeout(() => finish('timeout'), p.timeoutMs);
  timeout.unref();

  try {
    handle = deps.store.watch(
      {
        kind: p.kind.kind,
        ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
        ...(p.name !== undefined ? { name: p.name } : {}),
        ...(p.labelSelector !== undefined ? { labelSelector: p.labelSelector } : {}),
        ...(p.resourceVersion !== undefined ? { resourceVersion: p.resourceVersion } : {}),
        bookmarks: p.bookmarks,
      },
      deliver,
    );
  } catch (e) {
    // Too old a resourceVersion is part of the protocol: an ERROR event, then the end.
    const status = toKubeStatus(isExpired(e) ? e : toApiError(e));
    out.sendEvent({ key: () => null, msg: () => ({ type: 'ERROR', object: status }) });
    finish('error');
  }
  return { close: () => finish('server closing'), done };
}
