// Decoded frames must be plain JSON values before anything else looks at them: msgpack can carry
// Dates, binary, undefined and odd extension objects, and any encoding can carry `__proto__` keys
// that a merge patch further down would turn into prototype pollution.

/** Nesting deeper than this is refused (objects are a few levels deep; this is generous). */
export const MAX_DEPTH = 64;

/**
 * Checks that `value` is JSON-shaped (plain objects, arrays, strings, finite numbers, booleans,
 * null) and removes `undefined`-valued keys in place, as JSON would. Returns a description of
 * the first offending spot, or undefined when the value is acceptable.
 */
export function checkPlainJson(value: unknown): string | undefined {
  return walk(value, '$', 0);
}

function walk(v: unknown, path: string, depth: number): string | undefined {
  if (v === null) return undefined;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(v) ? undefined : `${path}: number is not finite`;
    case 'object':
      break;
    default:
      return `${path}: ${typeof v} is not a JSON value`;
  }
  if (depth >= MAX_DEPTH) return `${path}: nested deeper than ${MAX_DEPTH} levels`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (item === undefined) return `${path}[${i}]: undefined is not a JSON value`;
      const bad = walk(item, `${path}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return `${path}: not a plain object`;
  const obj = v as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    // msgpackr already renames this key; JSON.parse keeps it as an own property.
    if (key === '__proto__' || key === '__proto_') return `${path}: key "${key}" is not allowed`;
    const item = obj[key];
    if (item === undefined) {
      delete obj[key];
      continue;
    }
    const bad = walk(item, `${path}.${key}`, depth + 1);
    if (bad) return bad;
  }
  return undefined;
}
