// Fields the schema does not know, handled as fieldValidation asks: Strict refuses the request
// (400), Warn drops them and says so in a Warning header, Ignore drops them silently. Without
// this, the store would keep an unknown top-level member as content. Unknown fields inside
// spec are refused by admission's schema (422 naming the field) in every mode.
import { errors, type KindInfo } from '../api/index.js';
import type { FieldValidation } from './query.js';

const TOP = ['apiVersion', 'kind', 'metadata', 'status'];
const META = new Set([
  'name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'labels', 'annotations', 'finalizers', 'ownerReferences',
]);
/** Server-maintained fields clients echo back; dropped without a warning. */
const META_IGNORED = new Set(['managedFields', 'selfLink']);

function knownTop(k: KindInfo): Set<string> {
  const s = new Set(TOP);
  if (k.specField) s.add(k.specField);
  return s;
}

/**
 * Removes unknown top-level and metadata fields from `obj` in place. Returns the warnings for
 * Warn; throws 400 for Strict.
 */
export function pruneUnknown(k: KindInfo, obj: Record<string, unknown>, mode: FieldValidation): string[] {
  const unknown: string[] = [];
  const top = knownTop(k);
  for (const key of Object.keys(obj)) {
    if (!top.has(key)) {
      unknown.push(key);
      delete obj[key];
    }
  }
  const meta = obj.metadata;
  if (typeof meta === 'object' && meta !== null && !Array.isArray(meta)) {
    const m = meta as Record<string, unknown>;
    for (const key of Object.keys(m)) {
      if (META_IGNORED.has(key)) delete m[key];
      else if (!META.has(key)) {
        unknown.push(`metadata.${key}`);
        delete m[key];
      }
    }
  }
  if (unknown.length === 0) return [];
  if (mode === 'Strict') {
    throw errors.badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`, {
      kind: k.kind,
      causes: unknown.map((f) => ({ field: f, reason: 'FieldValueInvalid', message: `unknown field "${f}"` })),
    });
  }
  return mode === 'Warn' ? unknown.map((f) => `unknown field "${f}"`) : [];
}
