// Reads: get, list (namespace, name, label selector) and listOwnedBy (the owner index).
import type { Resource } from '../api/index.js';
import { decode } from './codec.js';
import { currentRevision, readRow, type Core } from './core.js';
import type { ObjectRow } from './db.js';
import * as E from './errors.js';
import { parseSelector } from './selector.js';
import type { ListOptions, ListResult } from './types.js';
import { mustKind, target } from './validate.js';

export function get(core: Core, kind: string, ns: string, name: string): Resource | undefined {
  const t = target(mustKind(kind), ns, name);
  const row = readRow(core, t);
  return row ? decode(row.json, row.rv) : undefined;
}

export function mustGet(core: Core, kind: string, ns: string, name: string): Resource {
  const obj = get(core, kind, ns, name);
  if (!obj) throw E.notFound(mustKind(kind), name);
  return obj;
}

export function list(core: Core, kind: string, opts: ListOptions = {}): ListResult {
  const info = mustKind(kind);
  const selector = parseSelector(opts.labelSelector);
  const ns = info.namespaced ? opts.namespace : undefined;
  let rows: ObjectRow[];
  if (ns && opts.name !== undefined) {
    const row = core.q.selectObject.get(kind, ns, opts.name) as ObjectRow | undefined;
    rows = row ? [row] : [];
  } else if (ns) rows = core.q.selectObjectsInNs.all(kind, ns) as ObjectRow[];
  else if (opts.name !== undefined) rows = core.q.selectObjectsNamed.all(kind, opts.name) as ObjectRow[];
  else rows = core.q.selectObjectsOfKind.all(kind) as ObjectRow[];
  const items: Resource[] = [];
  for (const row of rows) {
    const obj = decode(row.json, row.rv);
    if (selector.matches(obj.metadata.labels)) items.push(obj);
  }
  return { items, resourceVersion: String(currentRevision(core)) };
}

export function listOwnedBy(core: Core, ownerUid: string): Resource[] {
  return (core.q.selectOwnedBy.all(ownerUid) as ObjectRow[]).map((r) => decode(r.json, r.rv));
}
