// Watch through the client: resume across reconnects without gap or duplicate, relist on
// Expired with synthetic events, and the server side of Expired.
import test from 'ava';
import type { Resource } from '../../src/api/index.js';
import type { ChangeEvent } from '../../src/store/index.js';
import type { ClientWatchEvent } from '../../src/transport/index.js';
import { configMap, eventually, rawConnect, startEnv } from './helpers.js';

/** The consumer side of a watch: its view and the versions it saw, per object. */
function consumer() {
  const view = new Map<string, Resource>();
  const versions = new Map<string, number[]>();
  const events: ClientWatchEvent[] = [];
  return {
    view,
    versions,
    events,
    onEvent(ev: ClientWatchEvent) {
      events.push(ev);
      if (ev.type === 'BOOKMARK') return;
      const name = ev.object.metadata.name;
      const list = versions.get(name) ?? [];
      list.push(Number(ev.object.metadata.resourceVersion));
      versions.set(name, list);
      if (ev.type === 'DELETED') view.delete(name);
      else view.set(name, ev.object);
    },
  };
}

const dataOf = (m: Map<string, Resource>) => Object.fromEntries([...m].map(([k, v]) => [k, v.data]).sort());

for (const encoding of ['msgpack', 'json'] as const) {
  test(`${encoding}: watch resumes across reconnects without gap or duplicate`, async (t) => {
    const env = await startEnv(t);
    const names = ['a', 'b', 'c', 'd'];
    for (const n of names) await env.api.create(configMap(n, { v: '0' }));
    // The truth: every revision of every object, from the change feed.
    const truth = new Map<string, number[]>();
    env.store.subscribe((ev: ChangeEvent) => {
      if (ev.object.kind !== 'ConfigMap') return;
      const list = truth.get(ev.object.metadata.name) ?? [];
      list.push(ev.revision);
      truth.set(ev.object.metadata.name, list);
    });
    const c = await env.client({ encoding });
    const k = consumer();
    const w = c.watch({ kind: 'ConfigMap', namespace: 'default' }, (ev) => k.onEvent(ev));
    await w.started;
    await eventually(() => k.view.size === 4);
    const initial = new Map([...k.versions].map(([n, v]) => [n, [...v]]));

    let v = 0;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 25; i++) {
        const n = names[i % names.length]!;
        env.store.patch('ConfigMap', 'default', n, { data: { v: String(++v) } });
      }
      // Cut the connection in the middle of the stream (mid-flight frames are lost).
      c.currentConnection()?.terminate();
      for (let i = 0; i < 10; i++) {
        const n = names[i % names.length]!;
        env.store.patch('ConfigMap', 'default', n, { data: { v: String(++v) } });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    env.store.delete('ConfigMap', 'default', 'd');
    await env.api.create(configMap('e', { v: 'new' }));
    const want = dataOf(new Map(env.store.list('ConfigMap').items.map((i) => [i.metadata.name, i])));
    await eventually(() => JSON.stringify(dataOf(k.view)) === JSON.stringify(want), 15_000, 'the view converges');
    t.deepEqual(dataOf(k.view), want);
    // Exactly the store's versions, in order, none twice, none missing (after the initial state).
    for (const n of [...names, 'e']) {
      const after = (k.versions.get(n) ?? []).slice(initial.get(n)?.length ?? 0);
      t.deepEqual(after, truth.get(n) ?? [], n);
    }
    t.false(k.events.some((e) => e.synthetic));
    w.close();
  });
}

test('Expired on reconnect: the client relists and synthesizes events so the view converges', async (t) => {
  const env = await startEnv(t);
  for (const n of ['keep', 'change', 'drop']) await env.api.create(configMap(n, { v: '0' }));
  const c = await env.client();
  const k = consumer();
  const w = c.watch({ kind: 'ConfigMap', namespace: 'default' }, (ev) => k.onEvent(ev));
  await w.started;
  await eventually(() => k.view.size === 3);
  const before = k.events.length;

  // While the client is away, history moves on and is compacted past its resume point.
  c.currentConnection()!.terminate();
  env.store.patch('ConfigMap', 'default', 'change', { data: { v: '1' } });
  env.store.delete('ConfigMap', 'default', 'drop');
  env.store.create(configMap('new', { v: '0' }));
  for (let i = 0; i < 5; i++) env.store.patch('ConfigMap', 'default', 'keep', { metadata: { labels: { i: String(i) } } });
  env.store.compact(1);
  t.true(Number(w.resourceVersion) < env.store.compactedRevision());

  const want = dataOf(new Map(env.store.list('ConfigMap', { namespace: 'default' }).items.map((i) => [i.metadata.name, i])));
  await eventually(() => JSON.stringify(dataOf(k.view)) === JSON.stringify(want), 15_000, 'relist converges');
  const synthetic = k.events.slice(before).filter((e) => e.synthetic);
  t.deepEqual(
    synthetic.map((e) => `${e.type} ${e.type === 'BOOKMARK' ? '' : e.object.metadata.name}`).sort(),
    ['ADDED new', 'DELETED drop', 'MODIFIED change', 'MODIFIED keep'],
  );
  t.is(w.resourceVersion, String(env.store.currentRevision()));
  // Live again after the relist.
  env.store.patch('ConfigMap', 'default', 'new', { data: { v: '2' } });
  await eventually(() => k.view.get('new')?.data?.v === '2');
  w.close();
});

test('raw: a watch from a compacted revision answers ok, then an Expired ERROR event, then nothing', async (t) => {
  const env = await startEnv(t);
  await env.api.create(configMap('x'));
  for (let i = 0; i < 5; i++) env.store.patch('ConfigMap', 'default', 'x', { data: { i: String(i) } });
  env.store.compact(1);
  const peer = await rawConnect(t, env.gw);
  peer.send({ id: 7, op: 'watch', kind: 'ConfigMap', resourceVersion: '1' });
  t.like(await peer.next(), { id: 7, ok: true });
  t.like(await peer.next(), { watch: 7, type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  // The stream is gone: cancelling it reports nothing stopped.
  peer.send({ id: 8, op: 'unwatch', watch: 7 });
  t.like(await peer.next(), { id: 8, ok: true, result: { stopped: false } });
});

test('watch from a resourceVersion replays strictly after it; bad selectors are final errors', async (t) => {
  const env = await startEnv(t);
  const a = await env.api.create(configMap('a'));
  await env.api.create(configMap('b'));
  const c = await env.client();
  const k = consumer();
  const w = c.watch({ kind: 'ConfigMap', namespace: 'default', resourceVersion: a.metadata.resourceVersion }, (ev) => k.onEvent(ev));
  await w.started;
  await eventually(() => k.view.size === 1);
  t.deepEqual([...k.view.keys()], ['b']);
  w.close();

  const errors: unknown[] = [];
  const bad = c.watch({ kind: 'ConfigMap', labelSelector: 'a in (' }, () => undefined, (e) => errors.push(e));
  await t.throwsAsync(bad.started, { message: /./ });
  t.is(errors.length, 1);
});

test('closing the client ends its watches: no reconnect, no more events', async (t) => {
  const env = await startEnv(t);
  const c = await env.client();
  const k = consumer();
  const w = c.watch({ kind: 'ConfigMap', namespace: 'default' }, (ev) => k.onEvent(ev));
  await w.started;
  await env.api.create(configMap('one'));
  await eventually(() => k.view.size === 1);
  c.close();
  await eventually(() => env.gw.stats().connections.length === 0);
  await env.api.create(configMap('two'));
  // Longer than the first reconnect backoff: nothing dials back in.
  await new Promise((r) => setTimeout(r, 300));
  t.is(env.gw.stats().connections.length, 0);
  t.false(k.view.has('two'));
  await t.throwsAsync(c.get('ConfigMap', 'one'), { message: /closed/ });
});

test('a quiet watch with bookmarks gets periodic bookmarks that follow the store revision', async (t) => {
  const env = await startEnv(t, { limits: { bookmarkMs: 100 } });
  const peer = await rawConnect(t, env.gw, { encoding: 'json' });
  peer.send({ id: 1, op: 'watch', kind: 'LimaVM', namespace: 'default', bookmarks: true });
  await peer.until((m) => m.id === 1);
  const first = await peer.until((m) => m.watch === 1 && m.type === 'BOOKMARK');
  // Writes to another kind move the revision; the LimaVM watch sees no event, only bookmarks.
  await env.api.create(configMap('other'));
  const rv = env.store.currentRevision();
  const later = await peer.until(
    (m) => m.watch === 1 && m.type === 'BOOKMARK' && Number((m.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion) >= rv,
  );
  t.true(Number((later.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion) > Number((first.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion));
});
