// Canonical form of stored objects. Stored JSON is canonical (fixed key order at the top and in
// metadata, sorted keys everywhere else, no resourceVersion), so "did this write change anything"
// is a string comparison, and a write never shares references with the caller's input.
import type { ObjectMeta, OwnerReference, Resource } from '../api/index.js';

/** An object as stored: everything but metadata.resourceVersion. */
export type Doc = Omit<Resource, 'metadata'> & { metadata: Omit<ObjectMeta, 'resourceVersion'> };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy with object keys sorted; drops undefined members like JSON does. */
export function sortDeep(v: unknown): Json {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortDeep(x)));
  if (isPlainObject(v)) {
    const out: { [k: string]: Json } = {};
    for (const k of Object.keys(v).sort()) {
      const x = v[k];
      if (x !== undefined) define(out, k, sortDeep(x));
    }
    return out;
  }
  return v as Json;
}

/** Assignment that is safe for a key named `__proto__`. */
export function define(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function nonEmptyMap(m: Record<string, string> | undefined): Record<string, string> | undefined {
  return m && Object.keys(m).length > 0 ? (sortDeep(m) as Record<string, string>) : undefined;
}

function ownerRef(r: OwnerReference): OwnerReference {
  const out: OwnerReference = { apiVersion: r.apiVersion, kind: r.kind, name: r.name, uid: r.uid };
  if (r.controller !== undefined) out.controller = r.controller;
  if (r.blockOwnerDeletion !== undefined) out.blockOwnerDeletion = r.blockOwnerDeletion;
  return out;
}

/**
 * Metadata in canonical order, keeping only the fields the server knows. Empty label,
 * annotation, finalizer and ownerReference lists are dropped (omitempty), so `[]` and absent
 * compare equal.
 */
export function canonicalMeta(m: Omit<ObjectMeta, 'resourceVersion'>): Omit<ObjectMeta, 'resourceVersion'> {
  const ordered: Record<string, unknown> = { name: m.name };
  if (m.namespace) ordered.namespace = m.namespace;
  ordered.uid = m.uid;
  ordered.generation = m.generation;
  ordered.creationTimestamp = m.creationTimestamp;
  if (m.deletionTimestamp !== undefined) ordered.deletionTimestamp = m.deletionTimestamp;
  if (m.deletionGracePeriodSeconds !== undefined) ordered.deletionGracePeriodSeconds = m.deletionGracePeriodSeconds;
  const labels = nonEmptyMap(m.labels);
  if (labels) ordered.labels = labels;
  const annotations = nonEmptyMap(m.annotations);
  if (annotations) ordered.annotations = annotations;
  if (m.finalizers && m.finalizers.length > 0) ordered.finalizers = [...m.finalizers];
  if (m.ownerReferences && m.ownerReferences.length > 0) ordered.ownerReferences = m.ownerReferences.map(ownerRef);
  return ordered as Omit<ObjectMeta, 'resourceVersion'>;
}

const FIXED_TOP = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** Top-level members other than apiVersion/kind/metadata/status: what `generation` tracks. */
export function isContentKey(k: string): boolean {
  return !FIXED_TOP.has(k);
}

/**
 * Builds a canonical Doc: apiVersion, kind, metadata, the content fields (sorted), status last.
 * `content` supplies everything but apiVersion/kind/metadata/status.
 */
export function canonicalDoc(
  apiVersion: string,
  kind: string,
  meta: Omit<ObjectMeta, 'resourceVersion'>,
  content: Record<string, unknown>,
  status: unknown,
): Doc {
  const doc: Record<string, unknown> = { apiVersion, kind, metadata: canonicalMeta(meta) };
  for (const k of Object.keys(content).sort()) {
    const v = content[k];
    if (!FIXED_TOP.has(k) && v !== undefined) define(doc, k, sortDeep(v));
  }
  if (status !== undefined) doc.status = sortDeep(status);
  return doc as Doc;
}

/** The content fields of an object: every top-level member except apiVersion/kind/metadata/status. */
export function contentOf(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!FIXED_TOP.has(k)) define(out, k, v);
  return out;
}

/**
 * Whether two JSON values are equal, as their JSON.stringify would be (undefined members count as
 * absent). Cheaper than comparing two serializations: nothing is allocated.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // JSON writes NaN and ±Infinity as null.
  if (typeof a === 'number' && !Number.isFinite(a)) return b === null || (typeof b === 'number' && !Number.isFinite(b));
  if (typeof b === 'number' && !Number.isFinite(b)) return a === null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || x[k] === undefined) continue;
    n++;
    if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
  }
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) n--;
  return n === 0;
}

export function encode(doc: Doc): string {
  return JSON.stringify(doc);
}

export function parseDoc(json: string): Doc {
  return JSON.parse(json) as Doc;
}

/** A fresh object from stored JSON, with its resourceVersion. */
export function decode(json: string, rv: number): Resource {
  const obj = JSON.parse(json) as Resource;
  obj.metadata.resourceVersion = String(rv);
  return obj;
}

/**
 * Gives a Doc its resourceVersion in place and returns it as a Resource. Only for docs the
 * store built or parsed itself and shares with no caller (events' objects).
 */
export function stampRv(doc: Doc, rv: number): Resource {
  Object.assign(doc.metadata, { resourceVersion: String(rv) });
  return doc as Resource;
}

/** `doc` with a resourceVersion, sharing everything but the top level and metadata. */
export function withRv(doc: Doc, rv: number): Resource {
  return { ...doc, metadata: { ...doc.metadata, resourceVersion: String(rv) } };
}
