// The revisioned object store: Kubernetes object semantics over SQLite (better-sqlite3, WAL).
// One global revision per write; events are published after commit, in revision order; watch
// replays the event log and then follows the live feed. See docs/store.md.
import { randomUUID } from 'node:crypto';
import { allOfKind, ofKind } from '../api/index.js';
import type { Logger } from '../log.js';
import { DEFAULT_KEEP, compact } from './compact.js';
import { compactedRevision, currentRevision, type Core } from './core.js';
import { create } from './create.js';
import { openDatabase } from './db.js';
import { del } from './delete.js';
import { Feed } from './feed.js';
import { get, list, listOwnedBy, mustGet } from './list.js';
import { patch } from './patch.js';
import { Tx } from './tx.js';
import type { Store } from './types.js';
import { update, updateStatus } from './update.js';
import { watch } from './watch.js';

export type * from './types.js';
export { mergePatch } from './merge-patch.js';
export { applyPatch } from './patch.js';
export { unknownKind } from './errors.js';
export { parseSelector, type Selector, type Requirement } from './selector.js';
export { INITIAL_EVENTS_END_ANNOTATION } from './watch.js';
export { DEFAULT_KEEP } from './compact.js';

export interface OpenStoreOptions {
  /** A file path, or ':memory:'. */
  readonly path: string;
  readonly log: Logger;
  /** Milliseconds since the epoch (creationTimestamp, deletionTimestamp). */
  readonly now?: () => number;
  /** Object uids; crypto.randomUUID by default. */
  readonly uid?: () => string;
  readonly compaction?: {
    /** Revisions always kept (default 1000). */
    readonly keep?: number;
    /** Compact automatically this often; off unless set. */
    readonly intervalMs?: number;
  };
}

export function openStore(opts: OpenStoreOptions): Store {
  // Tag the component unless the caller already did (pino would repeat the key).
  const log = 'component' in opts.log.bindings() ? opts.log : opts.log.child({ component: 'store' });
  const { db, q } = openDatabase(opts.path);
  const feed = new Feed(log);
  const tx = new Tx(db, q, (events) => feed.publish(events));
  const core: Core = { db, q, tx, feed, log, now: opts.now ?? Date.now, uid: opts.uid ?? randomUUID };
  const keep = opts.compaction?.keep ?? DEFAULT_KEEP;
  let timer: NodeJS.Timeout | undefined;
  const interval = opts.compaction?.intervalMs;
  if (interval !== undefined && interval > 0) {
    timer = setInterval(() => {
      try {
        compact(core, keep);
      } catch (err) {
        log.error({ err }, 'automatic compaction failed');
      }
    }, interval);
    timer.unref();
  }
  log.debug({ path: opts.path, revision: currentRevision(core) }, 'store opened');

  return {
    get: (kind, ns, name) => {
      const obj = get(core, kind, ns, name);
      return obj && ofKind(kind, obj);
    },
    mustGet: (kind, ns, name) => ofKind(kind, mustGet(core, kind, ns, name)),
    list: (kind, o) => {
      const out = list(core, kind, o);
      return { ...out, items: allOfKind(kind, out.items) };
    },
    listOwnedBy: (uid) => listOwnedBy(core, uid),
    currentRevision: () => currentRevision(core),
    create: (obj) => ofKind(obj.kind, create(core, obj)),
    update: (obj) => ofKind(obj.kind, update(core, obj)),
    updateStatus: (obj) => ofKind(obj.kind, updateStatus(core, obj)),
    patch: (kind, ns, name, p, o) => ofKind(kind, patch(core, kind, ns, name, p, o)),
    delete: (kind, ns, name, o) => {
      const out = del(core, kind, ns, name, o);
      return { ...out, object: ofKind(kind, out.object) };
    },
    transaction: (fn) => tx.run(fn),
    dryRun: (fn) => tx.run(fn, true),
    subscribe: (listener) => feed.subscribe(listener),
    watch: (o, onEvent) => watch(core, o, onEvent),
    compact: (k) => compact(core, k ?? keep),
    compactedRevision: () => compactedRevision(core),
    close: () => {
      if (timer) clearInterval(timer);
      if (db.open) db.close();
    },
  };
}
