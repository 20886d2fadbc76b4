import test from 'ava';
import { isApiError, type ApiError, type Resource } from '../../src/api/index.js';
import type { WatchEvent, WatchOptions } from '../../src/store/index.js';
import { cm, fixture, type Fixture } from './helpers.js';

function apiError(t: import('ava').ExecutionContext, fn: () => unknown): ApiError {
  const e = t.throws(fn);
  if (!isApiError(e)) throw new Error(`expected an ApiError, got ${String(e)}`);
  return e;
}

/** The object of a change event (not a BOOKMARK). */
function changed(e: WatchEvent | undefined): Resource {
  if (!e || e.type === 'BOOKMARK') throw new Error(`expected a change event, got ${e?.type ?? 'nothing'}`);
  return e.object;
}

function collect(f: Fixture, opts: Omit<WatchOptions, 'kind'> & { kind?: string }) {
  const got: WatchEvent[] = [];
  const handle = f.store.watch({ kind: 'ConfigMap', ...opts }, (e) => got.push(e));
  const summary = () => got.map((e) => `${e.type} ${e.type === 'BOOKMARK' ? '' : e.object.metadata.name}@${e.object.metadata.resourceVersion}`);
  return { got, handle, summary };
}

test('without a resourceVersion a watch sends the current objects as ADDED, then live changes', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  f.store.create(cm('b'));
  const w = collect(f, {});
  t.deepEqual(w.summary(), ['ADDED a@1', 'ADDED b@2']);
  f.store.patch('ConfigMap', 'default', 'a', { data: { k: 'x' } });
  f.store.delete('ConfigMap', 'default', 'b');
  t.deepEqual(w.summary().slice(2), ['MODIFIED a@3', 'DELETED b@4']);
});

test('a watch with bookmarks ends the initial state with an annotated BOOKMARK at the current revision', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  f.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
  const w = collect(f, { bookmarks: true });
  t.is(w.got.length, 2);
  t.deepEqual(w.got[1], {
    type: 'BOOKMARK',
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '2', annotations: { 'k8s.io/initial-events-end': 'true' } } } as never,
  });
  f.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'm' } });
  w.handle.bookmark();
  t.deepEqual(w.got[2], { type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '3' } } as never });
});

test('handle.bookmark is a no-op unless bookmarks were requested', (t) => {
  const f = fixture(t);
  const w = collect(f, {});
  w.handle.bookmark();
  t.deepEqual(w.got, []);
});

test('a watch from a revision replays exactly the events after it, then follows live', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  f.store.create(cm('b'));
  f.store.patch('ConfigMap', 'default', 'a', { data: { k: 'x' } });
  f.store.delete('ConfigMap', 'default', 'b');
  const w = collect(f, { resourceVersion: '2', bookmarks: true });
  t.deepEqual(w.summary(), ['MODIFIED a@3', 'DELETED b@4', 'BOOKMARK @4']);
  f.store.create(cm('c'));
  t.deepEqual(w.summary().slice(3), ['ADDED c@5']);
});

test('a watch from the current revision sends nothing until something changes', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  const w = collect(f, { resourceVersion: '1' });
  t.deepEqual(w.got, []);
  f.store.create(cm('b'));
  t.deepEqual(w.summary(), ['ADDED b@2']);
});

test('a watch filters by namespace, name and kind', (t) => {
  const f = fixture(t);
  const w = collect(f, { namespace: 'one', resourceVersion: '0' });
  const named = collect(f, { name: 'x' });
  f.store.create(cm('x', { namespace: 'one' }));
  f.store.create(cm('x', { namespace: 'two' }));
  f.store.create(cm('y', { namespace: 'one' }));
  f.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
  t.deepEqual(w.summary(), ['ADDED x@1', 'ADDED y@3']);
  t.deepEqual(named.summary(), ['ADDED x@1', 'ADDED x@2']);
  const replay = collect(f, { namespace: 'two', resourceVersion: '0' });
  t.deepEqual(replay.summary(), ['ADDED x@2']);
});

test('selector transitions: starts matching is ADDED, stops matching is DELETED at the new revision', (t) => {
  const f = fixture(t);
  const live = collect(f, { labelSelector: 'app=web', resourceVersion: '0' });
  f.store.create(cm('a'));
  f.store.patch('ConfigMap', 'default', 'a', { metadata: { labels: { app: 'web' } } });
  f.store.patch('ConfigMap', 'default', 'a', { data: { k: 'x' } });
  f.store.patch('ConfigMap', 'default', 'a', { metadata: { labels: { app: 'db' } } });
  f.store.patch('ConfigMap', 'default', 'a', { data: { k: 'y' } });
  f.store.delete('ConfigMap', 'default', 'a');
  const expected = ['ADDED a@2', 'MODIFIED a@3', 'DELETED a@4'];
  t.deepEqual(live.summary(), expected);
  // The DELETED for "stops matching" carries the content that last matched.
  t.deepEqual(changed(live.got[2]).metadata.labels, { app: 'web' });
  // A replay over the same history gives the same answer.
  t.deepEqual(collect(f, { labelSelector: 'app=web', resourceVersion: '1' }).summary(), expected.slice(0));
});

test('a watch from a compacted revision is 410 Expired; too new is 504; garbage is 400', (t) => {
  const f = fixture(t);
  for (let i = 0; i < 5; i++) f.store.create(cm(`c${i}`));
  t.is(f.store.compact(2), 3);
  t.is(f.store.compactedRevision(), 3);
  const old = apiError(t, () => f.store.watch({ kind: 'ConfigMap', resourceVersion: '2' }, () => {}));
  t.like(old, { code: 410, reason: 'Expired', message: 'The resourceVersion for the provided watch is too old.' });
  const w = collect(f, { resourceVersion: '3' });
  t.deepEqual(w.summary(), ['ADDED c3@4', 'ADDED c4@5']);
  const future = apiError(t, () => f.store.watch({ kind: 'ConfigMap', resourceVersion: '9' }, () => {}));
  t.like(future, { code: 504, reason: 'Timeout', message: 'Too large resource version: 9, current: 5' });
  t.like(apiError(t, () => f.store.watch({ kind: 'ConfigMap', resourceVersion: 'abc' }, () => {})), { code: 400 });
  t.like(apiError(t, () => f.store.watch({ kind: 'ConfigMap', labelSelector: 'a in' }, () => {})), { code: 400 });
});

test('close stops delivery', (t) => {
  const f = fixture(t);
  const w = collect(f, {});
  f.store.create(cm('a'));
  w.handle.close();
  t.true(w.handle.closed);
  f.store.create(cm('b'));
  t.deepEqual(w.summary(), ['ADDED a@1']);
});

test('a watch started inside a listener neither duplicates nor skips the events still being delivered', (t) => {
  const f = fixture(t);
  let started: ReturnType<typeof collect> | undefined;
  f.store.subscribe((ev) => {
    if (ev.revision === 1) {
      f.store.create(cm('b')); // queued behind event 1, already committed
      started = collect(f, { resourceVersion: '1' });
    }
  });
  f.store.create(cm('a'));
  f.store.create(cm('c'));
  t.deepEqual(started!.summary(), ['ADDED b@2', 'ADDED c@3']);
});

test('a watch callback that writes gets its own events afterwards, in order', (t) => {
  const f = fixture(t);
  f.store.create(cm('a'));
  const got: string[] = [];
  f.store.watch({ kind: 'ConfigMap' }, (e) => {
    const name = e.type === 'BOOKMARK' ? '' : e.object.metadata.name;
    got.push(`${e.type} ${name}@${e.object.metadata.resourceVersion}`);
    if (name === 'a' && e.type === 'ADDED') f.store.create(cm('b'));
  });
  t.deepEqual(got, ['ADDED a@1', 'ADDED b@2']);
});

test('a watch cannot start inside a transaction', (t) => {
  const f = fixture(t);
  t.throws(() => f.store.transaction(() => f.store.watch({ kind: 'ConfigMap' }, () => {})), { message: /inside a transaction/ });
});

test('list returns items and the current global revision, filtered by namespace, name and selector', (t) => {
  const f = fixture(t);
  f.store.create(cm('a', { labels: { app: 'web' } }));
  f.store.create(cm('b', { namespace: 'other', labels: { app: 'db' } }));
  f.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
  const all = f.store.list('ConfigMap');
  t.is(all.resourceVersion, '3');
  t.deepEqual(all.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ['default/a', 'other/b']);
  t.deepEqual(f.store.list('ConfigMap', { namespace: 'other' }).items.map((o) => o.metadata.name), ['b']);
  t.deepEqual(f.store.list('ConfigMap', { labelSelector: 'app!=web' }).items.map((o) => o.metadata.name), ['b']);
  t.deepEqual(f.store.list('ConfigMap', { name: 'a' }).items.map((o) => o.metadata.name), ['a']);
  t.deepEqual(f.store.list('ConfigMap', { name: 'a', namespace: 'other' }).items, []);
  t.deepEqual(f.store.list('Namespace', { namespace: 'ignored' }).items.map((o) => o.metadata.name), ['n']);
});
