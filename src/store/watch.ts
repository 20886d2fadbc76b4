// watch: subscribe to the feed first, then send the initial state (or replay the event log after
// the requested revision), then forward live events, dropping any revision already covered.
// Selector transitions as docs/store.md, "Watch", describes them: an object that starts matching
// is ADDED, one that stops matching is DELETED with the content that last matched.
import { errors } from '../api/index.js';
import { parseDoc, withRv, type Doc } from './codec.js';
import { compactedRevision, currentRevision, type Core } from './core.js';
import type { EventRow } from './db.js';
import * as E from './errors.js';
import { list } from './list.js';
import { parseSelector } from './selector.js';
import type { BookmarkObject, ChangeEvent, ChangeType, WatchEvent, WatchHandle, WatchOptions } from './types.js';
import { mustKind } from './validate.js';

export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

/** Exclusive start revision, or undefined for "send the current state first". */
function startRevision(core: Core, rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '' || rv === '0') return undefined;
  if (!/^[0-9]+$/.test(rv)) throw E.badResourceVersion(rv);
  const n = Number(rv);
  if (n < compactedRevision(core)) throw errors.expired();
  const current = currentRevision(core);
  if (n > current) throw E.tooLargeResourceVersion(n, current);
  return n;
}

export function watch(core: Core, opts: WatchOptions, onEvent: (ev: WatchEvent) => void): WatchHandle {
  // Inside a transaction the replay would read uncommitted rows that may yet roll back.
  if (core.tx.active) throw new Error('store.watch cannot start inside a transaction');
  const info = mustKind(opts.kind);
  const selector = parseSelector(opts.labelSelector);
  const ns = info.namespaced && opts.namespace ? opts.namespace : undefined;
  const name = opts.name;
  const from = startRevision(core, opts.resourceVersion);

  let closed = false;
  /** Highest revision this watcher has accounted for (delivered or filtered out). */
  let progress = 0;
  let buffering = true;
  const buffer: ChangeEvent[] = [];

  const deliver = (ev: WatchEvent): void => {
    if (closed) return;
    try {
      onEvent(ev);
    } catch (err) {
      core.log.error({ err, kind: info.kind, type: ev.type }, 'watch listener threw');
    }
  };
  const keyMatches = (evNs: string, evName: string): boolean =>
    (ns === undefined || evNs === ns) && (name === undefined || evName === name);
  const matches = (doc: Doc): boolean => selector.matches(doc.metadata.labels);

  /** One change as this watcher sees it: selector transitions become ADDED / DELETED. */
  const translate = (rev: number, type: ChangeType, obj: Doc, old: Doc | undefined): void => {
    if (type === 'DELETED') {
      if (matches(obj)) deliver({ type, object: withRv(obj, rev) });
      return;
    }
    const now = matches(obj);
    const before = old !== undefined && matches(old);
    if (now) deliver({ type: before || type === 'ADDED' ? type : 'ADDED', object: withRv(obj, rev) });
    else if (before) deliver({ type: 'DELETED', object: withRv(old, rev) });
  };

  const live = (ev: ChangeEvent): void => {
    if (ev.revision <= progress) return;
    progress = ev.revision;
    const o = ev.object;
    if (o.kind !== info.kind || !keyMatches(o.metadata.namespace ?? '', o.metadata.name)) return;
    translate(ev.revision, ev.type, o, ev.oldObject);
  };

  const unsubscribe = core.feed.subscribe((ev) => {
    if (closed) return;
    if (buffering) buffer.push(ev);
    else live(ev);
  });

  const bookmark = (initialEnd: boolean): void => {
    const metadata: BookmarkObject['metadata'] = initialEnd
      ? { resourceVersion: String(progress), annotations: { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } }
      : { resourceVersion: String(progress) };
    deliver({ type: 'BOOKMARK', object: { apiVersion: info.apiVersion, kind: info.kind, metadata } });
  };

  try {
    if (from === undefined) {
      const snapshot = list(core, info.kind, opts);
      progress = Number(snapshot.resourceVersion);
      for (const item of snapshot.items) deliver({ type: 'ADDED', object: item });
    } else {
      const rows = core.q.selectEventsAfter.all(from, info.kind) as EventRow[];
      progress = Math.max(from, currentRevision(core));
      for (const r of rows) {
        if (!keyMatches(r.ns, r.name)) continue;
        translate(r.rev, r.type, parseDoc(r.json), r.prev_json === null ? undefined : parseDoc(r.prev_json));
      }
    }
    if (opts.bookmarks) bookmark(true);
    buffering = false;
    for (const ev of buffer.splice(0)) live(ev);
  } catch (e) {
    unsubscribe();
    throw e;
  }

  return {
    bookmark: () => {
      if (!closed && opts.bookmarks) bookmark(false);
    },
    close: () => {
      closed = true;
      unsubscribe();
    },
    get closed() {
      return closed;
    },
  };
}
