// Output of resources: tables, YAML and JSON, for single objects and lists.
import { stringify } from 'yaml';
import type { KindInfo, Resource } from '../../api/index.js';
import { usageError } from '../exit.js';
import { columnsFor, rowsFor } from './columns.js';
import { renderTable } from './table.js';

export type GetFormat = 'table' | 'wide' | 'yaml' | 'json';
export const GET_FORMATS: readonly GetFormat[] = ['table', 'wide', 'yaml', 'json'];

export function parseFormat<T extends string>(value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw usageError(`invalid output format "${value}"; valid formats: ${allowed.join(', ')}`);
}

export const toYaml = (v: unknown): string => stringify(v, { lineWidth: 0 });
export const toJson = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** A List wrapper for several objects, the way kubectl prints `-o yaml|json` lists. */
export function asList(items: readonly Resource[], resourceVersion?: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'List', metadata: resourceVersion ? { resourceVersion } : {}, items };
}

export interface RenderOptions {
  readonly format: GetFormat;
  readonly allNamespaces: boolean;
  /** A single object was asked for by name (yaml/json print it without a List). */
  readonly single: boolean;
  readonly now?: number;
  readonly headers?: boolean;
}

/** The text for `rdd ctl get`; ends with a newline unless empty. */
export function renderResources(kind: KindInfo, items: readonly Resource[], o: RenderOptions): string {
  switch (o.format) {
    case 'json':
      return toJson(o.single && items[0] ? items[0] : asList(items));
    case 'yaml':
      return toYaml(o.single && items[0] ? items[0] : asList(items));
    case 'table':
    case 'wide': {
      if (items.length === 0) return '';
      const cols = columnsFor(kind, { wide: o.format === 'wide', allNamespaces: o.allNamespaces });
      const text = renderTable(o.headers === false ? undefined : cols.map((c) => c.head), rowsFor(cols, items, o.now));
      return `${text}\n`;
    }
  }
}
