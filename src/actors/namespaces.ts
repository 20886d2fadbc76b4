// Namespace finalization: a deleted namespace deletes its content, then its own finalizer goes.
// Admission refuses to delete a namespace holding objects that an owner guards, so this never
// hangs behind an App (docs/controllers.md, "Deletion (A3, A4, A6)": a DELETE of such a namespace is refused
// up front, naming the owner to delete instead).
import {
  CONFIGMAP_KIND,
  KINDS,
  LIMAVM_KIND,
  NAMESPACE_KIND,
  clone,
  isApiError,
  isNotFound,
  ownedByFinalizers,
  ownerKindOfFinalizer,
  removeFinalizer,
  ApiError,
} from '../api/index.js';
import type { AdmissionHook, Api } from '../admission/types.js';
import type { Store } from '../store/types.js';
import type { Behavior } from '../supervisor/types.js';
import type { Controller } from './controller.js';

export const NAMESPACE_FINALIZER = 'rdd.rancherdesktop.io/namespace';

export type NamespaceMsg = { readonly t: 'changed'; readonly name: string };

export function namespaceBehavior(deps: { store: Store; api: Api; retryMs?: number }): Behavior<null, NamespaceMsg> {
  const namespaced = KINDS.filter((k) => k.namespaced).map((k) => k.kind);
  // LimaVMs first: their teardown releases the ConfigMaps they own.
  namespaced.sort((a, b) => (a === LIMAVM_KIND ? -1 : b === LIMAVM_KIND ? 1 : a === CONFIGMAP_KIND ? 1 : 0));
  return {
    init: () => null,
    receive(s, msg, ctx) {
      const ns = deps.store.get(NAMESPACE_KIND, '', msg.name);
      if (!ns?.metadata.deletionTimestamp) return s;
      let remaining = 0;
      for (const kind of namespaced) {
        for (const o of deps.store.list(kind, { namespace: msg.name }).items) {
          remaining += 1;
          if (o.metadata.deletionTimestamp) continue;
          try {
            deps.api.sync.delete(kind, msg.name, o.metadata.name);
          } catch (e) {
            if (!isApiError(e)) throw e;
            if (!isNotFound(e)) ctx.log.warn({ kind, name: o.metadata.name, err: e.message }, 'namespace content not deleted yet');
          }
        }
      }
      if (remaining > 0) {
        ctx.timers.once(`ns-${msg.name}`, { t: 'changed', name: msg.name }, deps.retryMs ?? 2000);
        return s;
      }
      const fresh = clone(ns);
      if (removeFinalizer(fresh, NAMESPACE_FINALIZER)) deps.api.sync.update(fresh);
      ctx.log.info({ namespace: msg.name }, 'namespace finalized');
      return s;
    },
  };
}

/**
 * Namespace admission: every namespace gets the finalizer on create (so its content is deleted
 * first), and a DELETE (dry-run too) of a namespace that holds owner-guarded objects is refused
 * up front instead of leaving the namespace Terminating behind its owner.
 */
export function namespaceHooks(): AdmissionHook[] {
  return [
    {
      name: 'namespace-finalizer.rdd.rancherdesktop.io',
      kinds: [NAMESPACE_KIND],
      operations: ['CREATE', 'DELETE'],
      mutate(req) {
        if (req.operation === 'CREATE' && req.object) {
          const fins = req.object.metadata.finalizers ?? [];
          if (!fins.includes(NAMESPACE_FINALIZER)) req.object.metadata.finalizers = [...fins, NAMESPACE_FINALIZER];
        }
      },
      validate(req, ctx) {
        if (req.operation !== 'DELETE' || !req.oldObject) return;
        const name = req.oldObject.metadata.name;
        // VMs first: name the outermost owner (the App), not the VM that owns a template ConfigMap.
        const kinds = KINDS.filter((k) => k.namespaced).sort((a, b) => Number(b.kind === LIMAVM_KIND) - Number(a.kind === LIMAVM_KIND));
        for (const kind of kinds) {
          for (const o of ctx.store.list(kind.kind, { namespace: name }).items) {
            const owned = ownedByFinalizers(o.metadata.finalizers)[0];
            if (owned === undefined) continue;
            const ownerKind = ownerKindOfFinalizer(owned) ?? 'owner';
            throw errorsForbidden(
              `cannot delete namespace "${name}": it holds ${kind.kind} "${o.metadata.name}", owned by ${ownerKind}; delete the ${ownerKind} resource instead`,
            );
          }
        }
      },
    },
  ];
}

function errorsForbidden(message: string) {
  return new ApiError(403, 'Forbidden', message);
}

/** For Namespace: one actor finalizes every deleted namespace. */
export const namespaceController: Controller = {
  kind: NAMESPACE_KIND,
  hooks: () => namespaceHooks(),
  behavior: { mode: 'singleton', name: 'namespaces', behavior: (env) => namespaceBehavior({ store: env.store, api: env.api }) },
  owns: [],
  watches: [],
};
