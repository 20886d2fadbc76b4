// Server-side printing: `Accept: application/json;as=Table;g=meta.k8s.io;v=v1` gets a
// meta.k8s.io Table with the same columns `rdd ctl get` prints (wide ones at priority 1).
import type { KindInfo, Resource } from '../api/index.js';
import { columnsFor, type Column } from '../cli/output/columns.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Whether the Accept header asks for a Table first (kubectl lists it before plain JSON). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(',')) {
    const params = part.split(';').map((p) => p.trim());
    if (params[0] !== 'application/json') continue;
    const as = params.find((p) => p.startsWith('as='))?.slice(3);
    const g = params.find((p) => p.startsWith('g='))?.slice(2);
    if (as === 'Table' && g === 'meta.k8s.io') return true;
    // The first acceptable entry wins: plain JSON before a Table means JSON.
    if (as === undefined) return false;
  }
  return false;
}

function title(head: string): string {
  return head.charAt(0) + head.slice(1).toLowerCase();
}

function definitions(cols: readonly Column[]): object[] {
  return cols.map((c) => ({
    name: title(c.head),
    type: 'string',
    format: c.head === 'NAME' ? 'name' : '',
    description: c.head === 'NAME' ? 'Name of the object.' : c.head === 'AGE' ? 'Time since the object was created.' : `${title(c.head)} as rdd ctl get prints it.`,
    priority: c.wide ? 1 : 0,
  }));
}

function rowObject(o: Resource, include: IncludeObject): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(
  kind: KindInfo,
  items: readonly Resource[],
  o: { resourceVersion?: string; continue?: string; include: IncludeObject; now?: number },
): object {
  const cols = columnsFor(kind, { wide: true, allNamespaces: false });
  const now = o.now ?? Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(o.resourceVersion !== undefined ? { resourceVersion: o.resourceVersion } : {}),
      ...(o.continue ? { continue: o.continue } : {}),
    },
    columnDefinitions: definitions(cols),
    rows: items.map((it) => {
      const obj = rowObject(it, o.include);
      return { cells: cols.map((c) => c.cell(it, now).replace(/\s+/g, ' ')), ...(obj ? { object: obj } : {}) };
    }),
  };
}

export function parseIncludeObject(v: string | null): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}
