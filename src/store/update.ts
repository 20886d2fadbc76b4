// update and updateStatus, and the shared step that turns a proposed object into a stored write
// (used by patch too): immutable metadata, generation, no-op detection, finalizer rules.
import { type KindInfo, type Resource } from '../api/index.js';
import { canonicalDoc, contentOf, decode, encode, isContentKey, isPlainObject, sameJson, type Doc } from './codec.js';
import { readRow, type Core } from './core.js';
import * as E from './errors.js';
import { mustKind, target, validateMeta, type Target } from './validate.js';
import { readOld, writeDeleted, writeModified, type Old } from './write.js';

/** Whether two canonical docs differ outside apiVersion/kind/metadata/status (a generation bump). */
function contentChanged(a: Doc, b: Doc): boolean {
  const x: Record<string, unknown> = a;
  const y: Record<string, unknown> = b;
  for (const k of Object.keys(x)) if (isContentKey(k) && !sameJson(x[k], y[k])) return true;
  for (const k of Object.keys(y)) if (isContentKey(k) && !(k in x)) return true;
  return false;
}

/** Reads the stored object for a write, checking the optional resourceVersion precondition. */
export function readForWrite(core: Core, t: Target, rv: string | undefined): Old {
  const row = readRow(core, t);
  if (!row) throw E.notFound(t.info, t.name);
  if (rv !== undefined && rv !== '' && rv !== String(row.rv)) throw E.conflict(t.info, t.name);
  return readOld(row);
}

/**
 * Stores `proposed` over `old` (main resource). Server-owned metadata comes from `old`: name,
 * namespace, uid, creationTimestamp, generation, deletionTimestamp and
 * deletionGracePeriodSeconds sent by the client are ignored (a different uid is rejected by the
 * callers as a precondition). Status is kept from `old` for kinds with a status subresource.
 */
export function applyMain(core: Core, t: Target, old: Old, proposed: Resource): Resource {
  const info = t.info;
  const m = proposed.metadata;
  validateMeta(info, { ...m, name: t.name });
  const o = old.doc.metadata;
  if (o.deletionTimestamp !== undefined) {
    const added = (m.finalizers ?? []).filter((f) => !(o.finalizers ?? []).includes(f));
    if (added.length > 0) throw E.newFinalizersWhileDeleting(info, t.name, added);
  }
  const status = info.statusSchema ? old.doc.status : proposed.status;
  const meta = {
    ...o,
    labels: m.labels,
    annotations: m.annotations,
    finalizers: m.finalizers,
    ownerReferences: m.ownerReferences,
  };
  let doc = canonicalDoc(info.apiVersion, info.kind, meta, contentOf(proposed), status);
  if (contentChanged(doc, old.doc)) {
    doc = { ...doc, metadata: { ...doc.metadata, generation: o.generation + 1 } };
  }
  return store(core, t, old, doc, 'update');
}

/** Stores a new status over `old`; nothing else changes. */
export function applyStatus(core: Core, t: Target, old: Old, status: unknown): Resource {
  const o = old.doc;
  const doc = canonicalDoc(o.apiVersion, o.kind, o.metadata, contentOf(o), status);
  return store(core, t, old, doc, 'updateStatus');
}

function store(core: Core, t: Target, old: Old, doc: Doc, verb: string): Resource {
  const json = encode(doc);
  if (json === old.row.json) {
    // No-op: nothing stored, no revision, no event (status refresh loops stay silent).
    return decode(old.row.json, old.row.rv);
  }
  core.log.debug({ verb, kind: t.info.kind, ns: t.ns, name: t.name, fromRv: old.row.rv }, 'store write');
  const f = doc.metadata.finalizers;
  if (doc.metadata.deletionTimestamp !== undefined && (f === undefined || f.length === 0)) {
    // The write that removes the last finalizer of a deleting object removes the object.
    return writeDeleted(core, t, old, doc, json);
  }
  return writeModified(core, t, old, doc, json);
}

function checkUid(info: KindInfo, old: Old, uid: string | undefined): void {
  if (uid && uid !== old.doc.metadata.uid) throw E.preconditionFailed(info, old.doc.metadata.name, 'UID', uid, old.doc.metadata.uid);
}

function bodyTarget(obj: Resource): Target {
  const info = mustKind(String((obj as Partial<Resource> | undefined)?.kind));
  if (!isPlainObject(obj.metadata)) {
    throw E.invalid(info, '', [{ field: 'metadata', reason: 'FieldValueRequired', message: 'Required value' }]);
  }
  if (obj.apiVersion !== info.apiVersion) throw E.apiVersionMismatch(info, String(obj.apiVersion));
  return target(info, obj.metadata.namespace, obj.metadata.name, true);
}

export function update(core: Core, obj: Resource): Resource {
  const t = bodyTarget(obj);
  const rv = obj.metadata.resourceVersion;
  if (!rv) throw E.rvRequired(t.info, t.name);
  return core.tx.run(() => {
    const old = readForWrite(core, t, rv);
    checkUid(t.info, old, obj.metadata.uid);
    return applyMain(core, t, old, obj);
  });
}

export function updateStatus(core: Core, obj: Resource): Resource {
  const t = bodyTarget(obj);
  if (!t.info.statusSchema) throw E.noStatusSubresource(t.info);
  return core.tx.run(() => {
    const old = readForWrite(core, t, obj.metadata.resourceVersion);
    checkUid(t.info, old, obj.metadata.uid);
    return applyStatus(core, t, old, obj.status);
  });
}
