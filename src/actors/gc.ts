// Cascading deletion by owner uid (k8s-semantics.md §2.6, "small-daemon version"): when an object
// disappears, every dependent whose owners are all gone is deleted. Owners normally clean up their
// own children first; this is the net under that, e.g. for a ConfigMap a CLI made for a VM.
import { isApiError, isNotFound, type Resource } from '../api/index.js';
import type { Api } from '../admission/types.js';
import type { Store } from '../store/types.js';
import type { Behavior } from '../supervisor/types.js';

export type GcMsg = { readonly t: 'ownerGone'; readonly uid: string };

function ownerExists(store: Store, uid: string, dependent: Resource): boolean {
  const ref = dependent.metadata.ownerReferences?.find((r) => r.uid === uid);
  if (!ref) return false;
  // Owners are the same namespace or cluster-scoped; identity is the uid, never the name.
  const ns = dependent.metadata.namespace ?? '';
  const o = store.get(ref.kind, ns, ref.name) ?? store.get(ref.kind, '', ref.name);
  return o !== undefined && o.metadata.uid === uid;
}

export function gcBehavior(deps: { store: Store; api: Api }): Behavior<null, GcMsg> {
  return {
    init: () => null,
    receive(s, msg, ctx) {
      for (const dep of deps.store.listOwnedBy(msg.uid)) {
        const refs = dep.metadata.ownerReferences ?? [];
        if (refs.some((r) => ownerExists(deps.store, r.uid, dep))) continue;
        if (dep.metadata.deletionTimestamp) continue;
        try {
          deps.api.sync.delete(dep.kind, dep.metadata.namespace ?? '', dep.metadata.name);
          ctx.log.info({ kind: dep.kind, name: dep.metadata.name, owner: msg.uid }, 'deleted a dependent whose owners are gone');
        } catch (e) {
          if (isNotFound(e)) continue;
          if (!isApiError(e)) throw e;
          ctx.log.warn({ kind: dep.kind, name: dep.metadata.name, err: e.message }, 'could not delete an orphaned dependent');
        }
      }
      return s;
    },
  };
}
