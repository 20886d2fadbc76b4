// Patch flavours other than JSON merge patch (which admission applies itself): JSON patch
// (RFC 6902) for every kind, and the strategic merge patch kubectl sends for the built-in kinds
// (ConfigMap, Namespace). Both compute the next object from the current one; the caller stores
// it as an update with the current resourceVersion.
import { errors } from '../api/index.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function badPatch(why: string): Error {
  return errors.badRequest(`the JSON patch cannot be applied: ${why}`);
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointer(path: unknown): string[] {
  if (typeof path !== 'string') throw badPatch('"path" must be a string');
  if (path === '') return [];
  if (!path.startsWith('/')) throw badPatch(`path "${path}" must start with "/"`);
  return path.slice(1).split('/').map(unescape);
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw badPatch(`"${token}" is not an array index`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw badPatch(`index ${i} is out of range`);
  return i;
}

/** The container of the last token, and that token. */
function parentOf(doc: unknown, tokens: string[], path: string): { parent: Obj | unknown[]; key: string } {
  let at: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(at)) at = at[arrayIndex(at, t, false)];
    else if (isObj(at) && Object.hasOwn(at, t)) at = at[t];
    else throw badPatch(`path "${path}" does not exist`);
  }
  if (!Array.isArray(at) && !isObj(at)) throw badPatch(`path "${path}" does not exist`);
  return { parent: at, key: tokens[tokens.length - 1]! };
}

function getAt(doc: unknown, path: string): unknown {
  let at: unknown = doc;
  for (const t of pointer(path)) {
    if (Array.isArray(at)) at = at[arrayIndex(at, t, false)];
    else if (isObj(at) && Object.hasOwn(at, t)) at = at[t];
    else throw badPatch(`path "${path}" does not exist`);
  }
  return at;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: unknown, path: string): { doc: unknown; removed: unknown } {
  const tokens = pointer(path);
  if (tokens.length === 0) throw badPatch('cannot remove the whole document');
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, false);
    return { doc, removed: parent.splice(i, 1)[0] };
  }
  if (!Object.hasOwn(parent, key)) throw badPatch(`path "${path}" does not exist`);
  const removed = parent[key];
  delete parent[key];
  return { doc, removed };
}

/** RFC 6902 on a copy of `target`. A failed `test` is 422 Invalid, as in Kubernetes. */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw errors.badRequest('a JSON patch must be a JSON array of operations');
  let doc: unknown = structuredClone(target);
  ops.forEach((op: unknown, i) => {
    if (!isObj(op)) throw badPatch(`operation ${i} is not an object`);
    const path = op.path as string;
    switch (op.op) {
      case 'add':
        if (!('value' in op)) throw badPatch(`operation ${i} (add) has no "value"`);
        doc = add(doc, path, structuredClone(op.value));
        break;
      case 'remove':
        doc = remove(doc, path).doc;
        break;
      case 'replace':
        if (!('value' in op)) throw badPatch(`operation ${i} (replace) has no "value"`);
        getAt(doc, path);
        doc = pointer(path).length === 0 ? structuredClone(op.value) : add(remove(doc, path).doc, path, structuredClone(op.value));
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw badPatch(`operation ${i} (move) has no "from"`);
        if (path.startsWith(`${op.from}/`)) throw badPatch(`cannot move "${op.from}" into itself`);
        const r = remove(doc, op.from);
        doc = add(r.doc, path, r.removed);
        break;
      }
      case 'copy':
        if (typeof op.from !== 'string') throw badPatch(`operation ${i} (copy) has no "from"`);
        doc = add(doc, path, structuredClone(getAt(doc, op.from)));
        break;
      case 'test':
        if (!deepEqual(getAt(doc, path), op.value)) {
          throw errors.invalid('patch', String(path), [{ field: String(path), reason: 'FieldValueInvalid', message: `test operation ${i} failed: the value differs` }]);
        }
        break;
      default:
        throw badPatch(`operation ${i} has an unknown "op" ${JSON.stringify(op.op)}; want add, remove, replace, move, copy or test`);
    }
  });
  return doc;
}

/**
 * Strategic merge patch for ConfigMap and Namespace. Their fields are maps (merged like a merge
 * patch) and two metadata lists with Kubernetes merge keys: finalizers (a set of strings) and
 * ownerReferences (by uid). Directives kubectl emits for them are understood; others are 400.
 */
export function applyStrategicMerge(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) throw errors.badRequest('a strategic merge patch must be a JSON object');
  return smp(structuredClone(target), patch, '');
}

const LIST_KEYS: Record<string, string | null> = { 'metadata.finalizers': null, 'metadata.ownerReferences': 'uid' };

function smp(target: unknown, patch: Obj, path: string): Obj {
  const out: Obj = isObj(target) ? target : {};
  if (patch.$patch === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return smp({}, rest, path);
  }
  if (patch.$patch !== undefined) throw errors.badRequest(`unsupported strategic merge directive $patch: ${JSON.stringify(patch.$patch)} at "${path || '.'}"`);
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(v) && Array.isArray(cur)) out[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (k.startsWith('$')) throw errors.badRequest(`unsupported strategic merge directive "${k}" at "${path || '.'}"`);
    const full = path ? `${path}.${k}` : k;
    if (v === null) delete out[k];
    else if (full in LIST_KEYS && Array.isArray(v)) out[k] = mergeList(out[k], v, LIST_KEYS[full]!, full);
    else if (isObj(v)) out[k] = smp(out[k], v, full);
    else out[k] = structuredClone(v);
  }
  return out;
}

function mergeList(cur: unknown, items: unknown[], key: string | null, path: string): unknown[] {
  const base = Array.isArray(cur) ? [...cur] : [];
  for (const it of items) {
    if (key === null) {
      if (!base.some((x) => deepEqual(x, it))) base.push(it);
      continue;
    }
    if (!isObj(it) || typeof it[key] !== 'string') throw errors.badRequest(`each item of ${path} needs a "${key}" in a strategic merge patch`);
    if (it.$patch === 'delete') {
      const i = base.findIndex((x) => isObj(x) && x[key] === it[key]);
      if (i >= 0) base.splice(i, 1);
      continue;
    }
    const i = base.findIndex((x) => isObj(x) && x[key] === it[key]);
    if (i >= 0) base[i] = smp(base[i], it, path);
    else base.push(structuredClone(it));
  }
  return base;
}
