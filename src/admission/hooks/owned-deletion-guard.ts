// The owned-deletion guard (docs/controllers.md, "The owned-deletion guard"): an object carrying an owned-by-<Kind>
// finalizer can only be deleted through its owner. Without it, a DELETE would be accepted and
// the object would stay Terminating, since only the owner removes that finalizer.
import { KINDS, ownedByFinalizers, ownerKindOfFinalizer } from '../../api/index.js';
import { forbidden } from '../errors.js';
import type { AdmissionHook } from '../types.js';

export function ownedDeletionMessage(name: string, ownerKind: string): string {
  return `cannot delete ${JSON.stringify(name)}: owned by ${ownerKind}; delete the ${ownerKind} resource instead`;
}

export function ownedDeletionGuardHook(): AdmissionHook<'DELETE'> {
  return {
    name: 'owned-deletion-guard.rdd.rancherdesktop.io',
    kinds: KINDS.map((k) => k.kind),
    operations: ['DELETE'],
    validate(req) {
      const old = req.oldObject;
      const owned = ownedByFinalizers(old.metadata.finalizers)[0];
      if (owned === undefined) return;
      const ownerKind = ownerKindOfFinalizer(owned) ?? 'owner';
      throw forbidden(req.kind, old.metadata.name, ownedDeletionMessage(old.metadata.name, ownerKind));
    },
  };
}
