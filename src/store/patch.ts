// patch: a JSON merge patch applied to the stored object (or to its status only), then stored
// through the same path as update/updateStatus. Conditional only if the patch carries
// metadata.resourceVersion.
import { errors, type Resource } from '../api/index.js';
import { isPlainObject } from './codec.js';
import type { Core } from './core.js';
import * as E from './errors.js';
import { mergePatch } from './merge-patch.js';
import { applyMain, applyStatus, readForWrite } from './update.js';
import { mustKind, target, type Target } from './validate.js';

/** The patch's resourceVersion precondition, if it has one. */
export function patchResourceVersion(patch: unknown): string | undefined {
  if (!isPlainObject(patch) || !isPlainObject(patch.metadata)) return undefined;
  const rv = patch.metadata.resourceVersion;
  return typeof rv === 'string' ? rv : undefined;
}

/**
 * Applies `patch` to `current` and checks that identity did not change (400 if the patch
 * renames or moves the object, 409 if it names another uid).
 */
export function patched(t: Target, current: Resource, patch: unknown): Resource {
  if (!isPlainObject(patch)) throw errors.badRequest('a JSON merge patch must be a JSON object');
  const rv = patchResourceVersion(patch);
  if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) throw E.conflict(t.info, t.name);
  const next = mergePatch(current, patch) as Resource;
  if (!isPlainObject(next.metadata)) throw E.invalid(t.info, t.name, [{ field: 'metadata', reason: 'FieldValueRequired', message: 'Required value' }]);
  const m = next.metadata;
  if (m.name !== t.name) throw E.identityMismatch(t.info, 'name', String(m.name), t.name);
  if ((m.namespace ?? '') !== (current.metadata.namespace ?? '')) {
    throw E.identityMismatch(t.info, 'namespace', String(m.namespace ?? ''), current.metadata.namespace ?? '');
  }
  if (m.uid !== current.metadata.uid) throw E.preconditionFailed(t.info, t.name, 'UID', String(m.uid), current.metadata.uid);
  if (next.kind !== current.kind || next.apiVersion !== current.apiVersion) {
    throw errors.badRequest(`a patch cannot change the kind or apiVersion of ${t.info.resource} "${t.name}"`);
  }
  m.resourceVersion = current.metadata.resourceVersion;
  return next;
}

export function patch(
  core: Core,
  kind: string,
  ns: string,
  name: string,
  p: unknown,
  opts?: { subresource?: 'status' },
): Resource {
  const info = mustKind(kind);
  const t = target(info, ns, name);
  if (opts?.subresource === 'status' && !info.statusSchema) throw E.noStatusSubresource(info);
  return core.tx.run(() => {
    const old = readForWrite(core, t, patchResourceVersion(p));
    const current = { ...old.doc, metadata: { ...old.doc.metadata, resourceVersion: String(old.row.rv) } } as Resource;
    const next = patched(t, current, p);
    return opts?.subresource === 'status' ? applyStatus(core, t, old, next.status) : applyMain(core, t, old, next);
  });
}

/**
 * The object a merge patch would produce from `current` (a stored object with its
 * resourceVersion), with the same checks store.patch makes; for admission, which must show
 * hooks the patched object before the write.
 */
export function applyPatch(current: Resource, patch: unknown): Resource {
  const info = mustKind(current.kind);
  return patched(target(info, current.metadata.namespace, current.metadata.name), current, patch);
}
