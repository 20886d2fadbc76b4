// `rdd set PROP=VALUE…`: resolves dotted property names against the schema tree, coerces values,
// and builds a JSON merge patch for `spec` (or the spec of a new App).
import { parseQuantity } from '../../api/index.js';
import { usageError } from '../exit.js';
import { leaves, propertyTree, zeroValue, type LeafNode, type ObjectNode } from './schema.js';

export interface Assignment {
  readonly leaf: LeafNode;
  /** The coerced value; null removes the field (an empty quantity). */
  readonly value: unknown;
}

type Json = Record<string, unknown>;

const TRUE = new Set(['1', 't', 'true', 'y', 'yes', 'on']);
const FALSE = new Set(['0', 'f', 'false', 'n', 'no', 'off']);

const validList = (node: ObjectNode): string => leaves(node).map((l) => l.path).join(', ');

/** The leaf a dotted name refers to, or a usage error that says what is valid. */
export function resolveProperty(name: string, root: ObjectNode = propertyTree()): LeafNode {
  if (name === '') throw usageError('property name must not be empty');
  const parts = name.split('.');
  let node: ObjectNode = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part === '') throw usageError(`invalid property name "${name}": empty segment`);
    const child = node.children.get(part);
    if (!child) {
      throw usageError(
        node === root
          ? `unknown property "${name}"; valid properties: ${validList(root)}`
          : `unknown property "${part}" under "${node.path}"; valid properties: ${validList(node)}`,
      );
    }
    if (i === parts.length - 1) {
      if (child.kind === 'object') {
        const example = leaves(child)[0]?.path ?? `${child.path}.<field>`;
        throw usageError(`"${child.path}" is an object; set its fields, e.g. "${example}"`);
      }
      return child;
    }
    if (child.kind === 'leaf') throw usageError(`"${child.path}" is not an object and has no sub-properties`);
    node = child;
  }
  throw usageError(`unknown property "${name}"`);
}

/** The value of `raw` for `leaf`, or a usage error naming what is accepted. */
export function coerce(leaf: LeafNode, raw: string): unknown {
  const bad = (why: string) => usageError(`invalid value "${raw}" for ${leaf.path}: ${why}`);
  switch (leaf.type) {
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      throw bad('expected boolean; use "true" or "false"');
    }
    case 'integer': {
      const v = raw.trim();
      if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw bad('expected integer');
      return Number(v);
    }
    case 'enum':
      if (!leaf.values.includes(raw)) throw bad(`valid values: ${leaf.values.join(', ')}`);
      return raw;
    case 'quantity': {
      // Spaces around a shell argument are forgiven here; the quantity grammar itself has none.
      const v = raw.trim();
      if (v === '') return null;
      if (parseQuantity(v) === undefined) throw bad('expected a quantity such as 4Gi, 4096Mi or 4294967296');
      return v;
    }
    case 'string':
      return raw;
  }
}

/** Parses `PROP=VALUE` arguments; a later assignment to the same property wins. */
export function parseAssignments(args: readonly string[], root: ObjectNode = propertyTree()): Assignment[] {
  if (args.length === 0) throw usageError(`no properties given; valid properties: ${validList(root)}`);
  const byPath = new Map<string, Assignment>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw usageError(`invalid argument "${arg}": expected PROPERTY=VALUE format`);
    const leaf = resolveProperty(arg.slice(0, eq).trim(), root);
    byPath.delete(leaf.path);
    byPath.set(leaf.path, { leaf, value: coerce(leaf, arg.slice(eq + 1)) });
  }
  return [...byPath.values()];
}

/** The nested merge patch for `spec` that the assignments describe. */
export function toPatch(assignments: readonly Assignment[]): Json {
  const out: Json = {};
  for (const a of assignments) {
    const parts = a.leaf.path.split('.');
    let at = out;
    for (const p of parts.slice(0, -1)) {
      const next = at[p];
      if (typeof next === 'object' && next !== null) at = next as Json;
      else at = at[p] = {};
    }
    at[parts[parts.length - 1] ?? ''] = a.value;
  }
  return out;
}

/**
 * Adds zero values for required fields of every object the patch introduces (one the existing
 * spec `base` does not have), so the result passes the schema: `kubernetes.version=…` on an App
 * without `kubernetes` also sets `kubernetes.enabled=false`. Nulls inside new objects are dropped.
 */
export function fillRequired(patch: Json, base: Json | undefined, node: ObjectNode = propertyTree()): Json {
  const out: Json = { ...patch };
  const isNew = base === undefined;
  for (const [name, child] of node.children) {
    const pv = out[name];
    const bv = base?.[name];
    if (child.kind === 'object') {
      if (typeof pv === 'object' && pv !== null) {
        out[name] = fillRequired(pv as Json, typeof bv === 'object' && bv !== null ? (bv as Json) : undefined, child);
      } else if (isNew && pv === undefined && node.required.includes(name)) {
        out[name] = fillRequired({}, undefined, child);
      }
      continue;
    }
    if (isNew && pv === null) delete out[name];
    if (isNew && out[name] === undefined && node.required.includes(name)) out[name] = zeroValue(child);
  }
  return out;
}
