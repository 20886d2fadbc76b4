import test from 'ava';
import Database from 'better-sqlite3';
import { isApiError, type ApiError } from '../../src/api/index.js';
import { silentLogger } from '../../src/log.js';
import { openStore } from '../../src/store/index.js';
import { cm, fixture, ns, rv, vm } from './helpers.js';

function apiError(t: import('ava').ExecutionContext, fn: () => unknown): ApiError {
  const e = t.throws(fn);
  if (!isApiError(e)) throw new Error(`expected an ApiError, got ${String(e)}`);
  return e;
}

test('create sets uid, creationTimestamp (RFC 3339, seconds), generation 1 and a resourceVersion', (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a', { metadata: { name: 'a', namespace: 'default', uid: 'client', creationTimestamp: 'x', generation: 9 } as never }));
  t.is(o.metadata.uid, '00000000-0000-4000-8000-000000000001');
  t.is(o.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
  t.is(o.metadata.generation, 1);
  t.is(o.metadata.resourceVersion, '1');
  t.is(f.store.currentRevision(), 1);
  t.deepEqual(f.store.get('ConfigMap', 'default', 'a'), o);
});

test('each create consumes exactly one global revision and emits one ADDED', (t) => {
  const f = fixture(t);
  const a = f.store.create(cm('a'));
  const b = f.store.create(vm('b'));
  const c = f.store.create(ns('other'));
  t.deepEqual([a, b, c].map(rv), [1, 2, 3]);
  t.deepEqual(
    f.events.map((e) => [e.revision, e.type, e.object.metadata.name]),
    [
      [1, 'ADDED', 'a'],
      [2, 'ADDED', 'b'],
      [3, 'ADDED', 'other'],
    ],
  );
  t.is(f.events[0]!.oldObject, undefined);
});

test('a duplicate create is 409 AlreadyExists naming the resource like Kubernetes', (t) => {
  const f = fixture(t);
  f.store.create(vm('x'));
  const e = apiError(t, () => f.store.create(vm('x')));
  t.like(e, { code: 409, reason: 'AlreadyExists', message: 'limavms.lima.rancherdesktop.io "x" already exists' });
  t.is(f.store.currentRevision(), 1);
});

test('status is dropped on create for kinds with a status subresource', (t) => {
  const f = fixture(t);
  const o = f.store.create({ ...vm('x'), status: { restartCount: 3 } });
  t.is(o.status, undefined);
});

test('a ConfigMap keeps its data as content', (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a', { data: { template: 'images: []' } }));
  t.deepEqual(o.data, { template: 'images: []' });
});

test('resourceVersion is never stored inside the JSON', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  const db = new Database(f.file, { readonly: true });
  t.teardown(() => db.close());
  const json = db.prepare('SELECT json FROM objects').pluck().get() as string;
  const ev = db.prepare('SELECT json FROM events').pluck().get() as string;
  t.false(json.includes('resourceVersion'));
  t.false(ev.includes('resourceVersion'));
});

test('a namespaced kind without a namespace is 400', (t) => {
  const f = fixture(t);
  const e = apiError(t, () => f.store.create({ ...cm('a'), metadata: { name: 'a' } }));
  t.like(e, { code: 400, reason: 'BadRequest' });
  t.regex(e.message, /configmaps "a": ConfigMap is namespaced; a namespace is required/);
});

test('a cluster-scoped kind with a namespace is 400', (t) => {
  const f = fixture(t);
  const e = apiError(t, () => f.store.create({ ...ns('a'), metadata: { name: 'a', namespace: 'default' } }));
  t.like(e, { code: 400, reason: 'BadRequest' });
  t.regex(e.message, /Namespace is cluster-scoped/);
});

test('an unknown kind is 404 with a clear message', (t) => {
  const f = fixture(t);
  const e = apiError(t, () => f.store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }));
  t.like(e, { code: 404, reason: 'NotFound', message: 'the server doesn\'t have a resource type "Pod"' });
  t.like(apiError(t, () => f.store.list('Pod')), { code: 404 });
  t.like(apiError(t, () => f.store.get('Pod', '', 'x')), { code: 404 });
});

test('a wrong apiVersion is 400', (t) => {
  const f = fixture(t);
  const e = apiError(t, () => f.store.create({ ...cm('a'), apiVersion: 'v2' }));
  t.like(e, { code: 400, message: 'the API version in the data (v2) does not match the expected API version (v1)' });
});

const badNames = test.macro({
  exec(t, kind: 'ConfigMap' | 'Namespace', name: string, fragment: string) {
    const f = fixture(t);
    const obj = kind === 'Namespace' ? ns(name) : cm(name);
    const e = apiError(t, () => f.store.create(obj));
    t.is(e.code, 422);
    t.is(e.reason, 'Invalid');
    t.is(e.details?.causes?.[0]?.field, 'metadata.name');
    t.true(e.message.includes(fragment), e.message);
  },
  title: (_p, kind: string, name: string) => `${kind} name ${JSON.stringify(name)} is rejected with 422 and a field cause`,
});

test(badNames, 'ConfigMap', 'Upper', 'lowercase RFC 1123 subdomain');
test(badNames, 'ConfigMap', '-a', 'lowercase RFC 1123 subdomain');
test(badNames, 'ConfigMap', 'x'.repeat(254), 'no more than 253 characters');
test(badNames, 'ConfigMap', '', 'Required value');
test(badNames, 'Namespace', 'a.b', 'lowercase RFC 1123 label');
test(badNames, 'Namespace', 'x'.repeat(64), 'no more than 63 characters');

test('a dotted name is valid for a ConfigMap (DNS-1123 subdomain)', (t) => {
  const f = fixture(t);
  t.is(f.store.create(cm('a.b')).metadata.name, 'a.b');
});

test('two controller owner references are 422', (t) => {
  const f = fixture(t);
  const ref = (name: string, uid: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid, controller: true });
  const e = apiError(t, () =>
    f.store.create({ ...cm('a'), metadata: { name: 'a', namespace: 'default', ownerReferences: [ref('x', '1'), ref('y', '2')] } }),
  );
  t.like(e, { code: 422, reason: 'Invalid' });
  t.is(e.details?.causes?.[0]?.field, 'metadata.ownerReferences');
  t.regex(e.message, /Only one reference can have Controller set to true/);
});

test('labels, finalizers and owner references are validated', (t) => {
  const f = fixture(t);
  const e = apiError(t, () =>
    f.store.create({
      ...cm('a'),
      metadata: {
        name: 'a',
        namespace: 'default',
        labels: { 'bad key': 'x', ok: 'not valid!' },
        finalizers: ['not/valid/x'],
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '' }],
      },
    }),
  );
  t.is(e.code, 422);
  t.deepEqual(
    e.details?.causes?.map((c) => c.field),
    ['metadata.labels', 'metadata.labels.ok', 'metadata.finalizers[0]', 'metadata.ownerReferences[0].uid'],
  );
});

test('sending a resourceVersion on create is 400', (t) => {
  const f = fixture(t);
  const e = apiError(t, () => f.store.create({ ...cm('a'), metadata: { name: 'a', namespace: 'default', resourceVersion: '5' } }));
  t.like(e, { code: 400 });
  t.regex(e.message, /resourceVersion should not be set on objects to be created/);
});

test('empty label, annotation and finalizer lists are not stored', (t) => {
  const f = fixture(t);
  const o = f.store.create({ ...cm('a'), metadata: { name: 'a', namespace: 'default', labels: {}, annotations: {}, finalizers: [] } });
  t.deepEqual(Object.keys(o.metadata).sort(), ['creationTimestamp', 'generation', 'name', 'namespace', 'resourceVersion', 'uid']);
});

test('the store returns fresh objects: mutating a result changes nothing stored', (t) => {
  const f = fixture(t);
  const input = cm('a');
  const o = f.store.create(input);
  o.data!.k = 'changed';
  input.data!.k = 'changed too';
  t.is(f.store.get('ConfigMap', 'default', 'a')!.data!.k, 'v');
  t.is(f.events[0]!.object.data!.k, 'v');
});

test('objects and the revision survive a reopen, and revisions continue', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  f.store.create(cm('b'));
  const s = f.reopen();
  t.is(s.currentRevision(), 2);
  t.deepEqual(s.list('ConfigMap').items.map((o) => o.metadata.name), ['a', 'b']);
  t.is(rv(s.create(cm('c'))), 3);
});

test('by default uids are random UUIDs and timestamps come from the real clock', (t) => {
  const store = openStore({ path: ':memory:', log: silentLogger() });
  t.teardown(() => store.close());
  const before = Date.now();
  const a = store.create(cm('a'));
  const b = store.create(cm('b'));
  t.regex(a.metadata.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(a.metadata.uid, b.metadata.uid);
  const created = Date.parse(a.metadata.creationTimestamp);
  t.true(created >= Math.floor(before / 1000) * 1000 && created <= Date.now());
});
