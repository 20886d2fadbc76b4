// create: server fields are set here; a status sent by the client is dropped for kinds with a
// status subresource.
import { rfc3339, type Resource, type ResourceInput } from '../api/index.js';
import { canonicalDoc, contentOf, isPlainObject } from './codec.js';
import { readRow, type Core } from './core.js';
import * as E from './errors.js';
import { mustKind, target, validateMeta } from './validate.js';
import { writeAdded } from './write.js';

export function create(core: Core, obj: ResourceInput): Resource {
  const info = mustKind(String((obj as Partial<ResourceInput> | undefined)?.kind));
  if (!isPlainObject(obj.metadata)) {
    throw E.invalid(info, '', [{ field: 'metadata', reason: 'FieldValueRequired', message: 'Required value' }]);
  }
  const m = obj.metadata;
  if (obj.apiVersion !== info.apiVersion) throw E.apiVersionMismatch(info, String(obj.apiVersion));
  const t = target(info, m.namespace, m.name, true);
  validateMeta(info, m);
  if (m.resourceVersion) throw E.rvOnCreate(info, m.name);
  return core.tx.run(() => {
    if (readRow(core, t)) throw E.alreadyExists(info, t.name);
    const meta = {
      name: t.name,
      namespace: t.ns || undefined,
      uid: core.uid(),
      generation: 1,
      creationTimestamp: rfc3339(core.now()),
      labels: m.labels,
      annotations: m.annotations,
      finalizers: m.finalizers,
      ownerReferences: m.ownerReferences,
    };
    const status = info.statusSchema ? undefined : obj.status;
    const doc = canonicalDoc(info.apiVersion, info.kind, meta, contentOf(obj), status);
    core.log.debug({ verb: 'create', kind: info.kind, ns: t.ns, name: t.name }, 'store write');
    return writeAdded(core, t, doc);
  });
}
