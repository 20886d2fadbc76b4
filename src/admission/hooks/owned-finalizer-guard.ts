// Clients may not add or remove `owned-by-<Kind>` finalizers (issue 11, item 11c). Only the
// owner's actor does: it adds one when it creates or adopts a child and removes it when it
// releases the child. A user who strips it detaches the child from a live owner (which then
// drives a VM it no longer guards); a user who adds one makes an object undeletable by anyone
// but an owner that does not know about it. The daemon's own writes (requests without
// `origin: 'client'`, including nested writes made by hooks) are not checked.
import { KINDS, ownedByFinalizers, ownerKindOfFinalizer } from '../../api/index.js';
import { forbidden } from '../errors.js';
import type { AdmissionHook } from '../types.js';

export function ownedFinalizerMessage(name: string, change: 'add' | 'remove', finalizer: string): string {
  const owner = ownerKindOfFinalizer(finalizer) ?? 'owner';
  return change === 'add'
    ? `cannot add finalizer ${JSON.stringify(finalizer)} to ${JSON.stringify(name)}: only the ${owner} controller adds it, to objects it creates`
    : `cannot remove finalizer ${JSON.stringify(finalizer)} from ${JSON.stringify(name)}: only the ${owner} controller removes it; ` +
        `delete the ${owner} resource to release the object, and keep the finalizer in updates`;
}

export function ownedFinalizerGuardHook(): AdmissionHook<'CREATE' | 'UPDATE'> {
  return {
    name: 'owned-finalizer-guard.rdd.rancherdesktop.io',
    kinds: KINDS.map((k) => k.kind),
    operations: ['CREATE', 'UPDATE'],
    // Checked in the mutating phase, registered first, so it sees the client's own object before
    // any defaulting hook touches it.
    mutate(req) {
      if (req.origin !== 'client') return;
      const obj = req.object;
      const now = ownedByFinalizers(obj.metadata.finalizers);
      const before = ownedByFinalizers(req.oldObject?.metadata.finalizers);
      const added = now.find((f) => !before.includes(f));
      if (added !== undefined) throw forbidden(req.kind, obj.metadata.name, ownedFinalizerMessage(obj.metadata.name, 'add', added));
      const removed = before.find((f) => !now.includes(f));
      if (removed !== undefined) throw forbidden(req.kind, obj.metadata.name, ownedFinalizerMessage(obj.metadata.name, 'remove', removed));
    },
  };
}
