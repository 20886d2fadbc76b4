// The three ways a write lands: one event row, the objects row, the owner index, and a staged
// ChangeEvent, all inside the caller's transaction. Callers have validated everything before.
import type { Resource } from '../api/index.js';
import { decode, encode, parseDoc, stampRv, withRv, type Doc } from './codec.js';
import type { Core } from './core.js';
import type { ObjectRow } from './db.js';
import type { Target } from './validate.js';

function ownerUids(doc: Doc): string[] {
  return [...new Set((doc.metadata.ownerReferences ?? []).map((r) => r.uid))];
}

function sameOwners(a: Doc, b: Doc): boolean {
  const x = ownerUids(a);
  const y = ownerUids(b);
  return x.length === y.length && x.every((u) => y.includes(u));
}

function indexOwners(core: Core, t: Target, doc: Doc): void {
  for (const uid of ownerUids(doc)) core.q.insertOwner.run(uid, t.info.kind, t.ns, t.name);
}

function insertEvent(core: Core, type: string, t: Target, json: string, prev: string | null): number {
  return Number(core.q.insertEvent.run(type, t.info.kind, t.ns, t.name, json, prev).lastInsertRowid);
}

/** Stores a new object. Returns a fresh copy for the caller. */
export function writeAdded(core: Core, t: Target, doc: Doc): Resource {
  const json = encode(doc);
  const rev = insertEvent(core, 'ADDED', t, json, null);
  core.q.insertObject.run(t.info.kind, t.ns, t.name, doc.metadata.uid, rev, json);
  indexOwners(core, t, doc);
  core.tx.stage({ revision: rev, type: 'ADDED', object: stampRv(doc, rev) });
  return decode(json, rev);
}

/** The old state of an object being written, as read inside the transaction. */
export interface Old {
  readonly row: ObjectRow;
  readonly doc: Doc;
}

export function readOld(row: ObjectRow): Old {
  return { row, doc: parseDoc(row.json) };
}

function guard(changes: number, t: Target): void {
  // The rv guard cannot fail inside our own transaction; a miss means another process wrote.
  if (changes !== 1) throw new Error(`store: concurrent write to ${t.info.kind} ${t.ns}/${t.name} outside this process`);
}

/** Replaces an object. `json` is encode(doc), already computed by the caller's no-op check. */
export function writeModified(core: Core, t: Target, old: Old, doc: Doc, json: string): Resource {
  const rev = insertEvent(core, 'MODIFIED', t, json, old.row.json);
  guard(core.q.updateObject.run(rev, json, t.info.kind, t.ns, t.name, old.row.rv).changes, t);
  if (!sameOwners(old.doc, doc)) {
    core.q.deleteOwnersOf.run(t.info.kind, t.ns, t.name);
    indexOwners(core, t, doc);
  }
  // doc and old.doc are the store's own copies (built, or parsed from the row): stamp in place.
  core.tx.stage({ revision: rev, type: 'MODIFIED', object: stampRv(doc, rev), oldObject: stampRv(old.doc, old.row.rv) });
  return decode(json, rev);
}

/** Removes an object; `doc` is its last state (the DELETED event's object). */
export function writeDeleted(core: Core, t: Target, old: Old, doc: Doc, json: string): Resource {
  const rev = insertEvent(core, 'DELETED', t, json, old.row.json);
  guard(core.q.deleteObject.run(t.info.kind, t.ns, t.name, old.row.rv).changes, t);
  core.q.deleteOwnersOf.run(t.info.kind, t.ns, t.name);
  const object = doc === old.doc ? withRv(doc, rev) : stampRv(doc, rev);
  core.tx.stage({ revision: rev, type: 'DELETED', object, oldObject: stampRv(old.doc, old.row.rv) });
  return decode(json, rev);
}
