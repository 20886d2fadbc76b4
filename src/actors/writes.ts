// Metadata writes the resource actors share. They go through admission (api.sync), so the
// guards apply to the actors' own writes too.
import { clone, isNotFound, removeFinalizer, type Resource } from '../api/index.js';
import type { Api } from '../admission/types.js';

/** Removes `finalizer` from `o` (as read in this turn); false if it had none. */
export function dropFinalizer(api: Api, o: Resource, finalizer: string): boolean {
  const fresh = clone(o);
  if (!removeFinalizer(fresh, finalizer)) return false;
  api.sync.update(fresh);
  return true;
}

/** Releases an owned object (drops the owner's finalizer) and deletes it; one already gone is fine. */
export function releaseAndDelete(api: Api, o: Resource, finalizer: string): void {
  try {
    if (o.metadata.finalizers?.includes(finalizer)) dropFinalizer(api, o, finalizer);
    if (!o.metadata.deletionTimestamp) api.sync.delete(o.kind, o.metadata.namespace ?? '', o.metadata.name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
