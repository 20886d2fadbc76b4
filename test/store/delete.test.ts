import test from 'ava';
import { isApiError, type ApiError } from '../../src/api/index.js';
import { cm, fixture, rv, vm } from './helpers.js';

function apiError(t: import('ava').ExecutionContext, fn: () => unknown): ApiError {
  const e = t.throws(fn);
  if (!isApiError(e)) throw new Error(`expected an ApiError, got ${String(e)}`);
  return e;
}

test('delete without finalizers removes the object and publishes DELETED with the last state at the new revision', (t) => {
  const f = fixture(t);
  f.store.create(cm('a', { labels: { x: 'y' } }));
  const r = f.store.delete('ConfigMap', 'default', 'a');
  t.true(r.removed);
  t.is(r.object.metadata.resourceVersion, '2');
  t.deepEqual(r.object.metadata.labels, { x: 'y' });
  t.is(f.store.get('ConfigMap', 'default', 'a'), undefined);
  t.like(f.events[1], { revision: 2, type: 'DELETED' });
  t.is(f.events[1]!.object.metadata.resourceVersion, '2');
  t.is(f.events[1]!.oldObject!.metadata.resourceVersion, '1');
  t.like(apiError(t, () => f.store.mustGet('ConfigMap', 'default', 'a')), { code: 404, message: 'configmaps "a" not found' });
});

test('a deleted name can be created again, with a new uid', (t) => {
  const f = fixture(t);
  const a = f.store.create(cm('a'));
  f.store.delete('ConfigMap', 'default', 'a');
  const b = f.store.create(cm('a'));
  t.not(a.metadata.uid, b.metadata.uid);
  t.is(b.metadata.generation, 1);
});

test('delete of a missing object is 404', (t) => {
  const f = fixture(t);
  t.like(apiError(t, () => f.store.delete('LimaVM', 'default', 'nope')), {
    code: 404,
    message: 'limavms.lima.rancherdesktop.io "nope" not found',
  });
});

test('finalizer flow: delete marks, repeat is a no-op, new finalizers are refused, the last removal deletes', (t) => {
  const f = fixture(t);
  f.store.create(vm('x', 'default'));
  const o = f.store.patch('LimaVM', 'default', 'x', { metadata: { finalizers: ['a.io/one', 'b.io/two'] } });

  f.clock.ms += 10_000;
  const d = f.store.delete('LimaVM', 'default', 'x', { gracePeriodSeconds: 30 });
  t.false(d.removed);
  t.is(d.object.metadata.deletionTimestamp, '2026-01-02T03:04:15Z');
  t.is(d.object.metadata.deletionGracePeriodSeconds, 30);
  t.is(d.object.metadata.generation, o.metadata.generation + 1, 'the first delete bumps generation once');
  t.is(f.events.at(-1)!.type, 'MODIFIED');
  t.truthy(f.store.get('LimaVM', 'default', 'x'), 'still readable');
  t.is(f.store.list('LimaVM').items.length, 1, 'still listable');

  const again = f.store.delete('LimaVM', 'default', 'x', { gracePeriodSeconds: 1 });
  t.false(again.removed);
  t.is(again.object.metadata.resourceVersion, d.object.metadata.resourceVersion, 'repeated delete stores nothing');
  t.is(again.object.metadata.deletionGracePeriodSeconds, 30);

  const add = apiError(t, () =>
    f.store.update({ ...d.object, metadata: { ...d.object.metadata, finalizers: ['a.io/one', 'b.io/two', 'c.io/three'] } }),
  );
  t.like(add, { code: 422, reason: 'Invalid' });
  t.is(
    add.message,
    'limavms.lima.rancherdesktop.io "x" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"c.io/three"}',
  );

  // Spec edits stay allowed while deleting; client attempts to clear deletionTimestamp are ignored.
  const edited = f.store.update({
    ...d.object,
    metadata: { ...d.object.metadata, finalizers: ['b.io/two'], deletionTimestamp: undefined },
    spec: { ...(d.object.spec as object), running: true },
  });
  t.is(edited.metadata.deletionTimestamp, '2026-01-02T03:04:15Z');
  t.deepEqual(edited.metadata.finalizers, ['b.io/two']);

  const before = f.events.length;
  const gone = f.store.patch('LimaVM', 'default', 'x', { metadata: { finalizers: null } });
  t.is(f.store.get('LimaVM', 'default', 'x'), undefined);
  t.is(f.events.length, before + 1, 'one write, one event');
  t.like(f.events.at(-1), { type: 'DELETED', revision: rv(gone) });
  t.is(gone.metadata.finalizers, undefined);
  t.is(gone.metadata.deletionTimestamp, '2026-01-02T03:04:15Z');
});

test('the update that removes the last finalizer of a deleting object removes it (update path)', (t) => {
  const f = fixture(t);
  f.store.create(cm('a', { finalizers: ['a.io/f'] }));
  const d = f.store.delete('ConfigMap', 'default', 'a').object;
  const out = f.store.update({ ...d, metadata: { ...d.metadata, finalizers: [] } });
  t.is(f.store.get('ConfigMap', 'default', 'a'), undefined);
  t.is(f.events.at(-1)!.type, 'DELETED');
  t.is(out.metadata.resourceVersion, String(f.store.currentRevision()));
});

test('a status write on a deleting object does not remove it', (t) => {
  const f = fixture(t);
  f.store.create({ ...vm('x'), metadata: { name: 'x', namespace: 'default', finalizers: ['a.io/f'] } });
  const d = f.store.delete('LimaVM', 'default', 'x').object;
  f.store.updateStatus({ ...d, status: { restartCount: 1 } });
  t.truthy(f.store.get('LimaVM', 'default', 'x'));
});

test('a deferred delete records the grace period only when the request gives one', (t) => {
  const f = fixture(t);
  f.store.create(cm('a', { finalizers: ['a.io/f'] }));
  f.store.create(cm('b', { finalizers: ['a.io/f'] }));
  // Absent means "the owner's default" (a LimaVM's graceful stop bound); 0 means force.
  t.is(f.store.delete('ConfigMap', 'default', 'a').object.metadata.deletionGracePeriodSeconds, undefined);
  t.is(f.store.delete('ConfigMap', 'default', 'b', { gracePeriodSeconds: 0 }).object.metadata.deletionGracePeriodSeconds, 0);
});

test('delete preconditions on uid and resourceVersion are 409 on mismatch', (t) => {
  const f = fixture(t);
  const o = f.store.create(cm('a'));
  const uid = apiError(t, () => f.store.delete('ConfigMap', 'default', 'a', { preconditions: { uid: 'other' } }));
  t.like(uid, { code: 409, reason: 'Conflict' });
  t.is(uid.message, `Operation cannot be fulfilled on configmaps "a": Precondition failed: UID in precondition: other, UID in object meta: ${o.metadata.uid}`);
  const rev = apiError(t, () => f.store.delete('ConfigMap', 'default', 'a', { preconditions: { resourceVersion: '99' } }));
  t.regex(rev.message, /Precondition failed: ResourceVersion in precondition: 99, ResourceVersion in object meta: 1/);
  t.truthy(f.store.get('ConfigMap', 'default', 'a'));
  t.true(f.store.delete('ConfigMap', 'default', 'a', { preconditions: { uid: o.metadata.uid, resourceVersion: '1' } }).removed);
});

test('a negative grace period is 400', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  t.like(apiError(t, () => f.store.delete('ConfigMap', 'default', 'a', { gracePeriodSeconds: -1 })), { code: 400 });
});

test('listOwnedBy follows owner references through create, update and delete', (t) => {
  const f = fixture(t);
  const owner = f.store.create(vm('x'));
  const ref = { apiVersion: owner.apiVersion, kind: owner.kind, name: 'x', uid: owner.metadata.uid, controller: true };
  f.store.create({ ...cm('a'), metadata: { name: 'a', namespace: 'default', ownerReferences: [ref] } });
  const b = f.store.create(cm('b'));
  f.store.create({ ...cm('c'), metadata: { name: 'c', namespace: 'other', ownerReferences: [ref] } });
  t.deepEqual(f.store.listOwnedBy(owner.metadata.uid).map((o) => o.metadata.name), ['a', 'c']);

  f.store.update({ ...b, metadata: { ...b.metadata, ownerReferences: [{ ...ref, controller: false }] } });
  t.deepEqual(f.store.listOwnedBy(owner.metadata.uid).map((o) => o.metadata.name), ['a', 'b', 'c']);

  f.store.patch('ConfigMap', 'default', 'a', { metadata: { ownerReferences: null } });
  f.store.delete('ConfigMap', 'other', 'c');
  t.deepEqual(f.store.listOwnedBy(owner.metadata.uid).map((o) => o.metadata.name), ['b']);
  t.deepEqual(f.store.listOwnedBy('nobody'), []);
  t.is(f.counts().owners, 1);
});
