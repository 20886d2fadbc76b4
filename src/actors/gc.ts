// Cascading deletion by owner uid (docs/controllers.md, "Garbage collection"): when an object
// disappears, every dependent whose owners are all gone is deleted. Owners normally clean up their
// own children first; this is the net under that, e.g. for a ConfigMap a CLI made for a VM, or a VM
// whose App was removed while its teardown was stuck. Level-triggered: a sweep at startup (owners
// may have gone while the daemon was down), and a failed write is retried with backoff, never dropped.
import { KINDS, clone, isApiError, isNotFound, ownedByFinalizer, type Resource } from '../api/index.js';
import type { Api } from '../admission/types.js';
import type { Store } from '../store/types.js';
import type { ActorContext, Behavior } from '../supervisor/types.js';
import { nextRetryDelay, type RequeueBackoff } from './backoff.js';

export type GcMsg =
  /** An object was removed: look at its dependents. */
  | { readonly t: 'ownerGone'; readonly uid: string }
  /** Look at every object that has owners (at startup, and to retry a failed write). */
  | { readonly t: 'sweep' };

export interface GcDeps {
  readonly store: Store;
  readonly api: Api;
  /** Retry delays after a failed write (default 500 ms doubling to 30 s). */
  readonly backoff?: RequeueBackoff;
  readonly random?: () => number;
}

interface GcState {
  /** Consecutive sweeps that left a failure behind (the backoff's attempt counter). */
  attempts: number;
}

const DEFAULT_BACKOFF: RequeueBackoff = { minMs: 500, maxMs: 30_000, jitter: 0.2 };

function ownerExists(store: Store, uid: string, dependent: Resource): boolean {
  const ref = dependent.metadata.ownerReferences?.find((r) => r.uid === uid);
  if (!ref) return false;
  const info = KINDS.find((k) => k.kind === ref.kind);
  // A kind this store does not hold cannot be checked: never collect on its say-so.
  if (info === undefined) return true;
  // Owners are in the dependent's namespace or cluster-scoped; identity is the uid, never the name.
  const o = store.get(ref.kind, info.namespaced ? (dependent.metadata.namespace ?? '') : '', ref.name);
  return o !== undefined && o.metadata.uid === uid;
}

const orphaned = (store: Store, dep: Resource): boolean => {
  const refs = dep.metadata.ownerReferences ?? [];
  return refs.length > 0 && !refs.some((r) => ownerExists(store, r.uid, dep));
};

export function gcBehavior(deps: GcDeps): Behavior<GcState, GcMsg> {
  const { store, api } = deps;
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const random = deps.random ?? Math.random;

  /** Releases the finalizers only the gone owners would have removed, then deletes. False if a write failed. */
  function collect(dep: Resource, ctx: ActorContext<GcMsg>): boolean {
    const kind = dep.kind;
    const ns = dep.metadata.namespace ?? '';
    const name = dep.metadata.name;
    try {
      const held = new Set((dep.metadata.ownerReferences ?? []).map((r) => ownedByFinalizer(r.kind)));
      const keep = (dep.metadata.finalizers ?? []).filter((f) => !held.has(f));
      if (keep.length !== (dep.metadata.finalizers ?? []).length) {
        const fresh = clone(dep);
        fresh.metadata.finalizers = keep;
        api.sync.update(fresh);
        ctx.log.info({ kind, name, namespace: ns }, 'released the owned-by finalizer of a dependent whose owners are gone');
      }
      if (!dep.metadata.deletionTimestamp) {
        api.sync.delete(kind, ns, name);
        ctx.log.info({ kind, name, namespace: ns }, 'deleted a dependent whose owners are gone');
      }
      return true;
    } catch (e) {
      if (isNotFound(e)) return true;
      if (!isApiError(e)) throw e; // a defect: the kernel restarts the GC, whose init sweeps again
      ctx.log.warn({ kind, name, namespace: ns, err: e.message }, 'could not collect a dependent whose owners are gone; will retry');
      return false;
    }
  }

  function retryLater(s: GcState, ctx: ActorContext<GcMsg>): void {
    if (ctx.timers.isActive('retry')) return;
    const delay = nextRetryDelay(s, backoff, random);
    ctx.log.warn({ retryInMs: delay, attempt: s.attempts }, 'garbage collection left work undone; sweeping again later');
    ctx.timers.once('retry', { t: 'sweep' }, delay);
  }

  return {
    init(ctx) {
      ctx.self.tell({ t: 'sweep' });
      return { attempts: 0 };
    },
    receive(s, msg, ctx) {
      const deps =
        msg.t === 'ownerGone' ? store.listOwnedBy(msg.uid) : KINDS.flatMap((k) => store.list(k.kind).items);
      let ok = true;
      for (const dep of deps) {
        // Re-read: an earlier write in this pass may have changed or removed it.
        const cur = store.get(dep.kind, dep.metadata.namespace ?? '', dep.metadata.name);
        if (cur === undefined || cur.metadata.uid !== dep.metadata.uid || !orphaned(store, cur)) continue;
        if (!collect(cur, ctx)) ok = false;
      }
      if (!ok) retryLater(s, ctx);
      else if (msg.t === 'sweep') s.attempts = 0;
      return s;
    },
  };
}
