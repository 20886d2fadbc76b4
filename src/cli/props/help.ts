// "Available properties:" for `rdd set --help`: each property with its type and the first
// sentence of its schema description.
import { leaves, propertyTree, type LeafNode, type ObjectNode } from './schema.js';

/** The first sentence of a description: up to a ". " before a capital letter (so "e.g. 4Gi" stays), or the end. */
export function firstSentence(text: string): string {
  const t = text.trim();
  const m = /^(.*?[.!?])(?=\s+[A-Z"]|$)/s.exec(t);
  return m?.[1] ?? t;
}

function typeLabel(leaf: LeafNode): string {
  switch (leaf.type) {
    case 'enum':
      return `enum: ${leaf.values.join(', ')}`;
    case 'quantity':
      return 'quantity';
    default:
      return leaf.type;
  }
}

export function propertiesHelp(root: ObjectNode = propertyTree()): string {
  const rows = leaves(root).map((l) => ({ name: l.path, type: `(${typeLabel(l)})`, text: firstSentence(l.description) }));
  const nameW = Math.max(...rows.map((r) => r.name.length));
  const typeW = Math.max(...rows.map((r) => r.type.length));
  const lines = rows.map((r) => `  ${r.name.padEnd(nameW)}  ${r.type.padEnd(typeW)}  ${r.text}`.trimEnd());
  return ['Available properties:', ...lines].join('\n');
}
