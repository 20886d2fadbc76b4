import test from 'ava';
import { parse } from 'yaml';
import { resolveKind, type Resource } from '../../src/api/index.js';
import { mergeForUpdate, parseManifest } from '../../src/cli/commands/apply.js';
import { CliError } from '../../src/cli/exit.js';
import { columnsFor, rowsFor } from '../../src/cli/output/columns.js';
import { parseFormat, renderResources } from '../../src/cli/output/format.js';
import { RowPrinter, renderTable } from '../../src/cli/output/table.js';

const now = Date.parse('2025-01-01T12:00:00Z');
const vm = (name: string, ns: string, extra: Partial<Resource> = {}): Resource => ({
  apiVersion: 'lima.rancherdesktop.io/v1alpha1',
  kind: 'LimaVM',
  metadata: { name, namespace: ns, uid: `u-${name}`, resourceVersion: '7', generation: 2, creationTimestamp: '2025-01-01T11:59:00Z' },
  spec: { templateRef: { name: 't' }, running: true },
  status: {
    restartCount: 3,
    templateConfigMap: `${name}-template`,
    conditions: [
      { type: 'Created', status: 'True', reason: 'Created', message: 'ok', lastTransitionTime: '2025-01-01T11:59:01Z' },
      { type: 'Running', status: 'True', reason: 'Started', message: 'Lima instance is running', lastTransitionTime: '2025-01-01T11:59:02Z' },
    ],
  },
  ...extra,
});

test('tables have no borders and no trailing blanks', (t) => {
  const text = renderTable(['NAME', 'AGE'], [['rd', '5s'], ['other-vm', '10m']]);
  t.is(text, 'NAME       AGE\nrd         5s\nother-vm   10m');
});

test('LimaVM columns; NAMESPACE leads only across namespaces; wide adds columns', (t) => {
  const kind = resolveKind('vm')!;
  const a = vm('rd', 'default');
  const b = vm('dev', 'work', { metadata: { ...vm('dev', 'work').metadata, deletionTimestamp: '2025-01-01T12:00:00Z' } });
  const all = columnsFor(kind, { wide: false, allNamespaces: true });
  t.deepEqual(all.map((c) => c.head), ['NAMESPACE', 'NAME', 'RUNNING', 'CREATED', 'STATUS', 'RESTARTS', 'AGE']);
  t.deepEqual(rowsFor(all, [a, b], now), [
    ['default', 'rd', 'true', 'True', 'Started', '3', '60s'],
    ['work', 'dev', 'true', 'True', 'Terminating', '3', '60s'],
  ]);
  t.deepEqual(columnsFor(kind, { wide: false, allNamespaces: false }).map((c) => c.head), ['NAME', 'RUNNING', 'CREATED', 'STATUS', 'RESTARTS', 'AGE']);
  const wide = columnsFor(kind, { wide: true, allNamespaces: false });
  t.deepEqual(rowsFor(wide, [a], now)[0]?.slice(-2), ['rd-template', 'Lima instance is running']);
});

test('App columns: cluster-scoped, so never a NAMESPACE column', (t) => {
  const kind = resolveKind('app')!;
  const app: Resource = {
    apiVersion: 'app.rancherdesktop.io/v1alpha1',
    kind: 'App',
    metadata: { name: 'app', uid: 'u', resourceVersion: '1', generation: 1, creationTimestamp: '2025-01-01T11:00:00Z' },
    spec: { running: false, namespace: 'default', virtualMachine: { cpus: 2, memory: '4Gi' } },
    status: { conditions: [{ type: 'Settled', status: 'False', reason: 'Stopping', message: 'x', observedGeneration: 1, lastTransitionTime: '' }] },
  };
  const cols = columnsFor(kind, { wide: false, allNamespaces: true });
  t.deepEqual(cols.map((c) => c.head), ['NAME', 'RUNNING', 'SETTLED', 'STATUS', 'AGE']);
  t.deepEqual(rowsFor(cols, [app], now), [['app', 'false', 'False', 'Stopping', '60m']]);
  t.deepEqual(rowsFor(columnsFor(kind, { wide: true, allNamespaces: false }), [app], now)[0]?.slice(5, 9), ['default', '', '2', '4Gi']);
});

test('yaml and json: one object by name, a List otherwise; empty tables print nothing', (t) => {
  const kind = resolveKind('limavm')!;
  const a = vm('rd', 'default');
  const one = JSON.parse(renderResources(kind, [a], { format: 'json', allNamespaces: false, single: true })) as Resource;
  t.is(one.metadata.name, 'rd');
  const list = parse(renderResources(kind, [a, vm('x', 'y')], { format: 'yaml', allNamespaces: false, single: false })) as { kind: string; items: Resource[] };
  t.is(list.kind, 'List');
  t.deepEqual(list.items.map((i) => i.metadata.name), ['rd', 'x']);
  t.is(renderResources(kind, [], { format: 'table', allNamespaces: false, single: false }), '');
  t.true(renderResources(kind, [a], { format: 'table', allNamespaces: false, single: false, now }).startsWith('NAME   RUNNING'));
  t.throws(() => parseFormat('xml', ['table', 'json']), { instanceOf: CliError, message: 'invalid output format "xml"; valid formats: table, json' });
});

test('RowPrinter keeps the first batch aligned and widens for later rows', (t) => {
  const lines: string[] = [];
  const p = new RowPrinter((l) => lines.push(l));
  p.first(['NAME', 'STATUS'], [['rd', 'Started']]);
  p.row(['a-much-longer-name', 'Stopped']);
  t.deepEqual(lines, ['NAME   STATUS', 'rd     Started', 'a-much-longer-name   Stopped']);
});

test('parseManifest: several documents, JSON, and List items', (t) => {
  const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# empty\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: n}}\n`;
  t.deepEqual(parseManifest(yaml, 'f').map((d) => (d.metadata as { name: string }).name), ['a', 'n']);
  t.deepEqual(parseManifest('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}', 'f').length, 1);
  t.throws(() => parseManifest('a: [', 'f'), { instanceOf: CliError, message: /^cannot parse f/ });
  t.throws(() => parseManifest('a: *nowhere', 'f'), { instanceOf: CliError, message: /^cannot parse f: Unresolved alias/ });
  t.throws(() => parseManifest('', 'f'), { message: 'f contains no objects' });
  t.throws(() => parseManifest('- 1\n- 2', 'f'), { message: /must be an object/ });
});

test('mergeForUpdate keeps server-owned metadata and merges labels and annotations', (t) => {
  const existing = vm('rd', 'default', {
    metadata: {
      ...vm('rd', 'default').metadata,
      finalizers: ['rdd.rancherdesktop.io/cleanup'],
      labels: { keep: '1', change: 'old' },
      annotations: { a: 'b' },
    },
  });
  const out = mergeForUpdate(existing, { kind: 'LimaVM', metadata: { name: 'rd', labels: { change: 'new' } }, spec: { templateRef: { name: 't' }, running: false } });
  t.deepEqual(out.metadata.finalizers, ['rdd.rancherdesktop.io/cleanup']);
  t.is(out.metadata.resourceVersion, '7');
  t.is(out.metadata.uid, 'u-rd');
  t.deepEqual(out.metadata.labels, { keep: '1', change: 'new' });
  t.deepEqual(out.metadata.annotations, { a: 'b' });
  t.deepEqual(out.spec, { templateRef: { name: 't' }, running: false });
  t.is(out.status, undefined);
  t.deepEqual(existing.metadata.labels, { keep: '1', change: 'old' }, 'the input is not mutated');
});
