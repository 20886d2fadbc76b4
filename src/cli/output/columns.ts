// Table columns per kind for `rdd ctl get`. `wide` adds columns; NAMESPACE leads for -A.
import { findCondition, type Condition, type KindInfo, type Resource } from '../../api/index.js';
import { formatAge } from '../duration.js';

export interface Column {
  readonly head: string;
  readonly cell: (o: Resource, now: number) => string;
  /** Only with `-o wide`. */
  readonly wide?: boolean;
}

type Conds = { conditions?: Condition[] } | undefined;
type Spec = Record<string, unknown> | undefined;

const conds = (o: Resource): Condition[] | undefined => (o.status as Conds)?.conditions;
const spec = (o: Resource): Spec => o.spec as Spec;
const condStatus = (o: Resource, type: string): string => findCondition(conds(o), type)?.status ?? '';
const get = (v: unknown, ...path: string[]): unknown => {
  let at = v;
  for (const p of path) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[p] : undefined;
  return at;
};
const str = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

const NAME: Column = { head: 'NAME', cell: (o) => o.metadata.name };
const AGE: Column = { head: 'AGE', cell: (o, now) => formatAge(o.metadata.creationTimestamp, now) };

/** What a person wants to know first: Terminating wins over the condition's reason. */
function statusOf(o: Resource, type: string): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  return findCondition(conds(o), type)?.reason ?? '';
}

const BY_KIND: Record<string, readonly Column[]> = {
  Namespace: [
    NAME,
    { head: 'STATUS', cell: (o) => (o.metadata.deletionTimestamp ? 'Terminating' : str(get(o.status, 'phase')) || 'Active') },
    AGE,
  ],
  ConfigMap: [
    NAME,
    { head: 'DATA', cell: (o) => String(Object.keys(o.data ?? {}).length) },
    AGE,
    { head: 'OWNER', wide: true, cell: (o) => o.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`).join(',') ?? '' },
  ],
  App: [
    NAME,
    { head: 'RUNNING', cell: (o) => str(get(spec(o), 'running')) },
    { head: 'SETTLED', cell: (o) => condStatus(o, 'Settled') },
    { head: 'STATUS', cell: (o) => statusOf(o, 'Settled') },
    AGE,
    { head: 'NAMESPACE', wide: true, cell: (o) => str(get(spec(o), 'namespace')) },
    { head: 'ENGINE', wide: true, cell: (o) => str(get(spec(o), 'containerEngine', 'name')) },
    { head: 'CPUS', wide: true, cell: (o) => str(get(spec(o), 'virtualMachine', 'cpus')) },
    { head: 'MEMORY', wide: true, cell: (o) => str(get(spec(o), 'virtualMachine', 'memory')) },
    { head: 'MESSAGE', wide: true, cell: (o) => findCondition(conds(o), 'Settled')?.message ?? '' },
  ],
  LimaVM: [
    NAME,
    { head: 'RUNNING', cell: (o) => str(get(spec(o), 'running')) },
    { head: 'CREATED', cell: (o) => condStatus(o, 'Created') },
    { head: 'STATUS', cell: (o) => statusOf(o, 'Running') },
    { head: 'RESTARTS', cell: (o) => str(get(o.status, 'restartCount') ?? 0) },
    AGE,
    { head: 'TEMPLATE', wide: true, cell: (o) => str(get(o.status, 'templateConfigMap')) },
    { head: 'MESSAGE', wide: true, cell: (o) => findCondition(conds(o), 'Running')?.message ?? '' },
  ],
};

const NAMESPACE: Column = { head: 'NAMESPACE', cell: (o) => o.metadata.namespace ?? '' };

export function columnsFor(kind: KindInfo, o: { wide: boolean; allNamespaces: boolean }): Column[] {
  const base = (BY_KIND[kind.kind] ?? [NAME, AGE]).filter((c) => o.wide || !c.wide);
  return o.allNamespaces && kind.namespaced ? [NAMESPACE, ...base] : base;
}

export function rowsFor(columns: readonly Column[], items: readonly Resource[], now = Date.now()): string[][] {
  return items.map((it) => columns.map((c) => c.cell(it, now).replace(/\s+/g, ' ')));
}
