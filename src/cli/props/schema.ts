// The settable App properties, derived from the App's TypeBox schema (so `rdd set` and its help
// follow the schema without a hand-kept list). `namespace` is left out: an App the CLI creates
// always uses the default namespace, and the field is immutable.
import type { TSchema } from '@sinclair/typebox';
import { AppSpecSchema } from '../../api/index.js';

export type LeafType = 'boolean' | 'integer' | 'string' | 'enum' | 'quantity';

export interface LeafNode {
  readonly kind: 'leaf';
  /** Dotted path under `spec`, e.g. `virtualMachine.cpus`. */
  readonly path: string;
  readonly type: LeafType;
  /** Members of an enum, in schema order. */
  readonly values: readonly string[];
  readonly description: string;
}

export interface ObjectNode {
  readonly kind: 'object';
  readonly path: string;
  readonly children: ReadonlyMap<string, PropNode>;
  /** Child names the schema requires whenever this object is present. */
  readonly required: readonly string[];
  readonly description: string;
}

export type PropNode = LeafNode | ObjectNode;

/** Top-level spec fields the CLI never sets. */
export const HIDDEN_PROPERTIES: ReadonlySet<string> = new Set(['namespace']);

interface JsonSchemaLike {
  type?: string;
  properties?: Record<string, TSchema>;
  required?: string[];
  anyOf?: JsonSchemaLike[];
  const?: unknown;
  format?: string;
  description?: string;
}

function leafType(s: JsonSchemaLike): Pick<LeafNode, 'type' | 'values'> {
  if (s.format === 'quantity') return { type: 'quantity', values: [] };
  if (s.anyOf && s.anyOf.length > 0 && s.anyOf.every((a) => typeof a.const === 'string')) {
    return { type: 'enum', values: s.anyOf.map((a) => String(a.const)) };
  }
  if (s.type === 'boolean') return { type: 'boolean', values: [] };
  if (s.type === 'integer' || s.type === 'number') return { type: 'integer', values: [] };
  return { type: 'string', values: [] };
}

function build(schema: TSchema, path: string, hidden: ReadonlySet<string>): PropNode {
  const s = schema as JsonSchemaLike;
  const description = s.description ?? '';
  if (s.type === 'object' && s.properties) {
    const children = new Map<string, PropNode>();
    for (const [name, child] of Object.entries(s.properties)) {
      if (path === '' && hidden.has(name)) continue;
      children.set(name, build(child, path ? `${path}.${name}` : name, hidden));
    }
    return { kind: 'object', path, children, required: (s.required ?? []).filter((r) => children.has(r)), description };
  }
  return { kind: 'leaf', path, description, ...leafType(s) };
}

/** The property tree of a spec schema (the App's by default). */
export function propertyTree(schema: TSchema = AppSpecSchema, hidden: ReadonlySet<string> = HIDDEN_PROPERTIES): ObjectNode {
  const root = build(schema, '', hidden);
  if (root.kind !== 'object') throw new Error('the spec schema is not an object');
  return root;
}

/** Every leaf, depth first in schema order. */
export function leaves(node: PropNode): LeafNode[] {
  if (node.kind === 'leaf') return [node];
  return [...node.children.values()].flatMap(leaves);
}

/** The zero value of a leaf, used to fill required fields of an object the user did not set fully. */
export function zeroValue(leaf: LeafNode): unknown {
  switch (leaf.type) {
    case 'boolean':
      return false;
    case 'integer':
      return 0;
    case 'enum':
      return leaf.values[0] ?? '';
    case 'quantity':
    case 'string':
      return '';
  }
}
