// delete: removes at once, or marks the object deleting (deletionTimestamp) while finalizers
// remain. A repeated delete of a deleting object changes nothing.
import { errors, rfc3339 } from '../api/index.js';
import { canonicalDoc, contentOf, decode, encode } from './codec.js';
import type { Core } from './core.js';
import * as E from './errors.js';
import type { DeleteOptions, DeleteResult } from './types.js';
import { readForWrite } from './update.js';
import { mustKind, target } from './validate.js';
import { writeDeleted, writeModified } from './write.js';

export function del(core: Core, kind: string, ns: string, name: string, opts: DeleteOptions = {}): DeleteResult {
  const info = mustKind(kind);
  const t = target(info, ns, name);
  const grace = opts.gracePeriodSeconds;
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) {
    throw errors.badRequest(`gracePeriodSeconds must be a non-negative integer, got ${String(grace)}`);
  }
  return core.tx.run(() => {
    const old = readForWrite(core, t, undefined);
    const m = old.doc.metadata;
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== m.uid) throw E.preconditionFailed(info, name, 'UID', pre.uid, m.uid);
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== String(old.row.rv)) {
      throw E.preconditionFailed(info, name, 'ResourceVersion', pre.resourceVersion, String(old.row.rv));
    }
    if (m.finalizers && m.finalizers.length > 0) {
      if (m.deletionTimestamp !== undefined) return { object: decode(old.row.json, old.row.rv), removed: false };
      // First delete of an object with finalizers: mark it, and bump generation once so
      // controllers see "being deleted" as a new generation (Kubernetes does the same).
      const meta = {
        ...m,
        generation: m.generation + 1,
        deletionTimestamp: rfc3339(core.now()),
        // Only a grace the request gave is recorded: absent means "the owner's default" (a LimaVM's
        // graceful-stop bound), 0 means force.
        ...(grace !== undefined ? { deletionGracePeriodSeconds: grace } : {}),
      };
      const doc = canonicalDoc(old.doc.apiVersion, old.doc.kind, meta, contentOf(old.doc), old.doc.status);
      core.log.debug({ verb: 'delete', kind, ns: t.ns, name, deferred: true }, 'store write');
      return { object: writeModified(core, t, old, doc, encode(doc)), removed: false };
    }
    core.log.debug({ verb: 'delete', kind, ns: t.ns, name }, 'store write');
    return { object: writeDeleted(core, t, old, old.doc, old.row.json), removed: true };
  });
}
