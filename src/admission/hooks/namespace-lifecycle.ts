// Namespaced objects can only be created in a namespace that exists and is not terminating.
// Runs first in the mutating phase, so nested writes never start in a missing namespace.
import { errors, KINDS, NAMESPACE_KIND } from '../../api/index.js';
import type { AdmissionHook } from '../types.js';

export function terminatingNamespaceMessage(ns: string): string {
  return `unable to create new content in namespace ${ns} because it is being terminated`;
}

export function namespaceLifecycleHook(): AdmissionHook<'CREATE'> {
  return {
    name: 'namespace-lifecycle.rdd.rancherdesktop.io',
    kinds: KINDS.filter((k) => k.namespaced).map((k) => k.kind),
    operations: ['CREATE'],
    mutate(req, ctx) {
      const ns = req.object.metadata.namespace;
      if (!ns) return; // the store rejects a missing namespace with its own 400
      const found = ctx.store.get(NAMESPACE_KIND, '', ns);
      if (!found) throw errors.notFound('namespaces', ns, { kind: NAMESPACE_KIND });
      if (found.metadata.deletionTimestamp !== undefined) {
        throw errors.forbidden(terminatingNamespaceMessage(ns), { kind: NAMESPACE_KIND, name: ns });
      }
    },
  };
}
