import test from 'ava';
import { isApiError, type ApiError, type Resource } from '../../src/api/index.js';
import { cm, fixture, rv, vm } from './helpers.js';

function apiError(t: import('ava').ExecutionContext, fn: () => unknown): ApiError {
  const e = t.throws(fn);
  if (!isApiError(e)) throw new Error(`expected an ApiError, got ${String(e)}`);
  return e;
}

test('an update without resourceVersion is 422 with the Kubernetes message', (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a'));
  const e = apiError(t, () => f.store.update({ ...o, metadata: { ...o.metadata, resourceVersion: '' } }));
  t.like(e, { code: 422, reason: 'Invalid' });
  t.is(e.message, 'configmaps "a" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
});

test('a stale resourceVersion is 409 Conflict with the Kubernetes message', (t) => {
  const f = fixture(t);
  const o = f.store.create(vm('x'));
  f.store.update({ ...o, spec: { ...(o.spec as object), running: true } });
  const e = apiError(t, () => f.store.update({ ...o, spec: { ...(o.spec as object), running: false } }));
  t.like(e, {
    code: 409,
    reason: 'Conflict',
    message:
      'Operation cannot be fulfilled on limavms.lima.rancherdesktop.io "x": the object has been modified; please apply your changes to the latest version and try again',
  });
});

test('two writers updating from the same resourceVersion: exactly one wins, the other gets 409', (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a'));
  const writers = ['one', 'two'].map((v) => () => f.store.update({ ...o, data: { k: v } }));
  const results = writers.map((w) => {
    try {
      return w();
    } catch (e) {
      return e;
    }
  });
  t.is(results.filter((r) => isApiError(r) && r.code === 409).length, 1);
  t.is(f.store.get('ConfigMap', 'default', 'a')!.data!.k, 'one');
  t.is(f.store.currentRevision(), 2);
});

test('an update of a missing object is 404', (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a'));
  const e = apiError(t, () => f.store.update({ ...o, metadata: { ...o.metadata, name: 'b' } }));
  t.like(e, { code: 404, message: 'configmaps "b" not found' });
});

test('generation bumps when spec changes, not for metadata or status', (t) => {
  const f = fixture(t);
  let o = f.store.create(vm('x'));
  o = f.store.update({ ...o, metadata: { ...o.metadata, labels: { a: 'b' }, annotations: { n: 'x' }, finalizers: ['a.io/f'] } });
  t.is(o.metadata.generation, 1);
  o = f.store.updateStatus({ ...o, status: { restartCount: 1 } });
  t.is(o.metadata.generation, 1);
  o = f.store.update({ ...o, spec: { ...(o.spec as object), running: true } });
  t.is(o.metadata.generation, 2);
  o = f.store.patch('LimaVM', 'default', 'x', { spec: { params: { A: 'b' } } });
  t.is(o.metadata.generation, 3);
});

test("a ConfigMap's generation bumps when its data changes", (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a'));
  t.is(f.store.update({ ...o, data: { k: 'w' } }).metadata.generation, 2);
});

test('update keeps the stored status and ignores server-owned metadata sent by the client', (t) => {
  const f = fixture(t);
  let o = f.store.create(vm('x'));
  o = f.store.updateStatus({ ...o, status: { restartCount: 2 } });
  const sent: Resource = {
    ...o,
    metadata: { ...o.metadata, creationTimestamp: '1999-01-01T00:00:00Z', generation: 42, deletionTimestamp: '1999-01-01T00:00:00Z' },
    spec: { ...(o.spec as object), running: true },
    status: { restartCount: 99 },
  };
  const u = f.store.update(sent);
  t.is(u.metadata.creationTimestamp, o.metadata.creationTimestamp);
  t.is(u.metadata.generation, 2);
  t.is(u.metadata.deletionTimestamp, undefined);
  t.deepEqual(u.status, { restartCount: 2 });
});

test('an update naming a different uid is 409 (a precondition)', (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a'));
  const e = apiError(t, () => f.store.update({ ...o, metadata: { ...o.metadata, uid: 'other' }, data: { k: 'w' } }));
  t.like(e, { code: 409, reason: 'Conflict' });
  t.regex(e.message, /Precondition failed: UID in precondition: other/);
});

test('updateStatus changes only status, even if the body changes spec and labels', (t) => {
  const f = fixture(t);
  const o = f.store.create(vm('x'));
  const s = f.store.updateStatus({ ...o, metadata: { ...o.metadata, labels: { a: 'b' } }, spec: { templateRef: { name: 'z' }, running: true }, status: { restartCount: 1 } });
  t.deepEqual(s.status, { restartCount: 1 });
  t.deepEqual(s.spec, o.spec);
  t.is(s.metadata.labels, undefined);
  t.is(rv(s), rv(o) + 1);
});

test('updateStatus checks resourceVersion only when given', (t) => {
  const f = fixture(t);
  const o = f.store.create(vm('x'));
  f.store.updateStatus({ ...o, status: { restartCount: 1 } });
  t.like(apiError(t, () => f.store.updateStatus({ ...o, status: { restartCount: 2 } })), { code: 409 });
  const s = f.store.updateStatus({ ...o, metadata: { ...o.metadata, resourceVersion: '' }, status: { restartCount: 2 } });
  t.deepEqual(s.status, { restartCount: 2 });
});

test('updateStatus on a kind without a status subresource is 404', (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a'));
  t.like(apiError(t, () => f.store.updateStatus({ ...o, status: { x: 1 } })), { code: 404 });
  t.like(apiError(t, () => f.store.patch('ConfigMap', 'default', 'a', { status: { x: 1 } }, { subresource: 'status' })), { code: 404 });
});

test('a no-op update stores nothing: same resourceVersion, no event, no revision', (t) => {
  const f = fixture(t);
  const o = f.store.create(vm('x', 'default', { params: { B: '2', A: '1' } }));
  const before = f.counts();
  // Same content, different key order and an empty label map: canonically equal.
  const same = f.store.update({ ...o, metadata: { ...o.metadata, labels: {} }, spec: { running: false, params: { A: '1', B: '2' }, templateRef: { name: 'src' } } });
  t.is(same.metadata.resourceVersion, o.metadata.resourceVersion);
  t.deepEqual(same, o);
  const st = f.store.updateStatus({ ...o, status: undefined });
  t.is(st.metadata.resourceVersion, o.metadata.resourceVersion);
  t.is(f.store.patch('LimaVM', 'default', 'x', { spec: { running: false } }).metadata.resourceVersion, o.metadata.resourceVersion);
  t.is(f.store.currentRevision(), 1);
  t.is(f.events.length, 1);
  t.deepEqual(f.counts(), before);
});

test('an update publishes MODIFIED with the old object', (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a'));
  f.store.update({ ...o, data: { k: 'w' } });
  const ev = f.events[1]!;
  t.is(ev.type, 'MODIFIED');
  t.is(ev.revision, 2);
  t.is(ev.object.metadata.resourceVersion, '2');
  t.is(ev.object.data!.k, 'w');
  t.is(ev.oldObject!.metadata.resourceVersion, '1');
  t.is(ev.oldObject!.data!.k, 'v');
});

test('patch merges into the object and is unconditional unless it carries a resourceVersion', (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a', { data: { a: '1', b: '2' } }));
  f.store.update({ ...o, data: { a: '1', b: '3' } });
  const p = f.store.patch('ConfigMap', 'default', 'a', { data: { b: null, c: '4' }, metadata: { labels: { x: 'y' } } });
  t.deepEqual(p.data, { a: '1', c: '4' });
  t.deepEqual(p.metadata.labels, { x: 'y' });
  const e = apiError(t, () => f.store.patch('ConfigMap', 'default', 'a', { metadata: { resourceVersion: o.metadata.resourceVersion }, data: { a: 'x' } }));
  t.like(e, { code: 409, reason: 'Conflict' });
  const ok = f.store.patch('ConfigMap', 'default', 'a', { metadata: { resourceVersion: p.metadata.resourceVersion }, data: { a: 'x' } });
  t.is(ok.data!.a, 'x');
});

test('a status patch changes only status', (t) => {
  const f = fixture(t);
  f.store.create(vm('x'));
  const p = f.store.patch('LimaVM', 'default', 'x', { spec: { running: true }, status: { restartNeeded: true } }, { subresource: 'status' });
  t.deepEqual(p.status, { restartNeeded: true });
  t.is((p.spec as { running: boolean }).running, false);
  t.is(p.metadata.generation, 1);
});

test('a main-resource patch ignores status for kinds with a status subresource', (t) => {
  const f = fixture(t);
  f.store.create(vm('x'));
  const p = f.store.patch('LimaVM', 'default', 'x', { status: { restartNeeded: true } });
  t.is(p.status, undefined);
  t.is(f.store.currentRevision(), 1);
});

const badPatch = test.macro({
  exec(t, patch: unknown, code: number, fragment: RegExp) {
    const f = fixture(t);
    f.store.create(cm('a'));
    const e = apiError(t, () => f.store.patch('ConfigMap', 'default', 'a', patch));
    t.is(e.code, code);
    t.regex(e.message, fragment);
  },
  title: (_p, _patch, code: number, fragment: RegExp) => `a patch that ${String(fragment)} is rejected with ${code}`,
});

test(badPatch, { metadata: { name: 'b' } }, 400, /the name of the object \(b\) does not match/);
test(badPatch, { metadata: { namespace: 'other' } }, 400, /the namespace of the object \(other\) does not match/);
test(badPatch, { metadata: { uid: 'u' } }, 409, /Precondition failed: UID/);
test(badPatch, { kind: 'Namespace' }, 400, /cannot change the kind/);
test(badPatch, [1, 2], 400, /must be a JSON object/);
test(badPatch, { metadata: { labels: { 'a b': 'c' } } }, 422, /metadata.labels/);
