// Every operation over both encodings, through the raw protocol and through the client library.
import test from 'ava';
import { ApiError, isApiError, type Resource } from '../../src/api/index.js';
import { PROTOCOL_VERSION, type Encoding } from '../../src/transport/index.js';
import { configMap, createVM, rawConnect, setVMCondition, startEnv } from './helpers.js';

const encodings: Encoding[] = ['json', 'msgpack'];

for (const encoding of encodings) {
  test(`raw ${encoding}: request/response operations`, async (t) => {
    const env = await startEnv(t);
    const peer = await rawConnect(t, env.gw, { encoding });
    const call = async (msg: Record<string, unknown>) => {
      peer.send(msg);
      return peer.until((m) => m.id === msg.id && 'ok' in m);
    };

    const hello = await call({ id: 1, op: 'hello', protocol: PROTOCOL_VERSION });
    t.true(hello.ok);
    const hr = hello.result as { protocol: number; encoding: string; daemon: { instance: string; lima: { kind: string } } };
    t.is(hr.protocol, PROTOCOL_VERSION);
    t.is(hr.encoding, encoding);
    t.is(hr.daemon.lima.kind, 'simulator');

    const created = await call({ id: 2, op: 'create', object: configMap('a', { x: '1' }) });
    t.true(created.ok, JSON.stringify(created));
    const a = created.result as Resource;
    t.is(a.metadata.name, 'a');
    t.truthy(a.metadata.uid);

    // Namespace defaults to "default" for a namespaced kind.
    const got = await call({ id: 'g', op: 'get', kind: 'ConfigMap', name: 'a' });
    t.deepEqual((got.result as Resource).data, { x: '1' });

    const dry = await call({ id: 3, op: 'create', object: configMap('dry'), dryRun: true });
    t.true(dry.ok);
    t.is(env.store.get('ConfigMap', 'default', 'dry'), undefined);

    await call({ id: 4, op: 'create', object: { ...configMap('b'), metadata: { name: 'b', namespace: 'default', labels: { app: 'web' } } } });
    const listed = await call({ id: 5, op: 'list', kind: 'configmaps', namespace: 'default', labelSelector: 'app=web' });
    const lr = listed.result as { items: Resource[]; resourceVersion: string };
    t.deepEqual(lr.items.map((i) => i.metadata.name), ['b']);
    t.regex(lr.resourceVersion, /^[0-9]+$/);

    const upd = await call({ id: 6, op: 'update', object: { ...a, data: { x: '2' } } });
    t.true(upd.ok, JSON.stringify(upd));
    t.deepEqual((upd.result as Resource).data, { x: '2' });

    const stale = await call({ id: 7, op: 'update', object: { ...a, data: { x: '3' } } });
    t.false(stale.ok);
    t.is((stale.error as { reason: string }).reason, 'Conflict');

    const patched = await call({ id: 8, op: 'patch', kind: 'ConfigMap', name: 'a', patch: { data: { y: 'z', x: null } } });
    t.deepEqual((patched.result as Resource).data, { y: 'z' });

    const delDry = await call({ id: 9, op: 'delete', kind: 'ConfigMap', name: 'a', dryRun: true });
    t.true(delDry.ok);
    t.truthy(env.store.get('ConfigMap', 'default', 'a'));

    const badPre = await call({ id: 10, op: 'delete', kind: 'ConfigMap', name: 'a', preconditions: { uid: 'nope' } });
    t.false(badPre.ok);
    t.is((badPre.error as { code: number }).code, 409);

    const del = await call({ id: 11, op: 'delete', kind: 'ConfigMap', name: 'a', gracePeriodSeconds: 0 });
    t.true(del.ok);
    t.true((del.result as { removed: boolean }).removed);

    const missing = await call({ id: 12, op: 'get', kind: 'ConfigMap', name: 'a' });
    t.false(missing.ok);
    t.like(missing.error as object, { kind: 'Status', status: 'Failure', code: 404, reason: 'NotFound' });

    const unknownKind = await call({ id: 13, op: 'get', kind: 'Widget', name: 'a' });
    t.is((unknownKind.error as { code: number }).code, 404);

    // Status subresource patch on a LimaVM.
    await createVM(env.api, 'vm1');
    const sp = await call({
      id: 14,
      op: 'patch',
      kind: 'vm',
      name: 'vm1',
      subresource: 'status',
      patch: { status: { conditions: [{ type: 'Created', status: 'True', reason: 'Created', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } },
    });
    t.true(sp.ok, JSON.stringify(sp));
    t.is(env.store.mustGet('LimaVM', 'default', 'vm1').metadata.generation, 1);
  });

  test(`raw ${encoding}: watch, unwatch, conditions, cancel`, async (t) => {
    const env = await startEnv(t);
    await env.api.create(configMap('pre'));
    const peer = await rawConnect(t, env.gw, { encoding });

    peer.send({ id: 1, op: 'watch', kind: 'ConfigMap', namespace: 'default', bookmarks: true });
    t.like(await peer.next(), { id: 1, ok: true, result: { stream: 1 } });
    t.like(await peer.next(), { watch: 1, type: 'ADDED', object: { metadata: { name: 'pre' } } });
    const bm = await peer.next();
    t.is(bm.type, 'BOOKMARK');
    await env.api.create(configMap('live'));
    t.like(await peer.until((m) => m.watch === 1), { type: 'ADDED', object: { metadata: { name: 'live' } } });
    await env.api.delete('ConfigMap', 'default', 'live');
    t.like(await peer.until((m) => m.watch === 1), { type: 'DELETED', object: { metadata: { name: 'live' } } });

    peer.send({ id: 2, op: 'unwatch', watch: 1 });
    t.like(await peer.until((m) => m.id === 2), { ok: true, result: { stream: 1, stopped: true } });
    await env.api.create(configMap('after'));

    await createVM(env.api, 'vm1');
    peer.send({ id: 'c', op: 'conditions', kind: 'LimaVM', name: 'vm1' });
    t.like(await peer.until((m) => m.id === 'c'), { ok: true });
    const snap = await peer.until((m) => m.sub === 'c');
    t.like(snap, { type: 'snapshot', objects: [{ name: 'vm1', namespace: 'default', conditions: [] }] });
    setVMCondition(env.store, 'vm1', { type: 'Created', status: 'True', reason: 'Created' });
    t.like(await peer.until((m) => m.sub === 'c'), { type: 'condition', name: 'vm1', condition: { type: 'Created', status: 'True' } });

    peer.send({ id: 3, op: 'cancel', stream: 'c' });
    t.like(await peer.until((m) => m.id === 3), { ok: true, result: { stopped: true } });
    peer.send({ id: 4, op: 'cancel', stream: 'c' });
    t.like(await peer.until((m) => m.id === 4), { ok: true, result: { stopped: false } });
    setVMCondition(env.store, 'vm1', { type: 'Running', status: 'False', reason: 'Stopped' });
    // A round trip after the write proves nothing was queued for the cancelled streams.
    peer.send({ id: 5, op: 'hello' });
    await peer.until((m) => m.id === 5);
    t.false(peer.received.some((m) => m.watch === 1 && (m.object as Resource).metadata.name === 'after'));
    t.false(peer.received.some((m) => m.sub === 'c' && (m as { condition?: { type: string } }).condition?.type === 'Running'));
  });

  test(`client ${encoding}: typed calls and errors`, async (t) => {
    const env = await startEnv(t);
    const c = await env.client({ encoding });
    t.is((await c.hello()).encoding, encoding);
    const created = await c.create(configMap('one', { a: 'b' }));
    t.is(created.metadata.name, 'one');
    const dry = await c.create(configMap('two'), { dryRun: true });
    t.is(dry.metadata.resourceVersion, '');
    t.deepEqual((await c.get('cm', 'one')).data, { a: 'b' });
    t.is((await c.list('ConfigMap', { namespace: 'default' })).items.length, 1);
    const up = await c.update({ ...created, data: { a: 'c' } });
    t.deepEqual(up.data, { a: 'c' });
    const p = await c.patch('ConfigMap', 'one', { metadata: { labels: { l: '1' } } });
    t.deepEqual(p.metadata.labels, { l: '1' });
    t.deepEqual((await c.list('ConfigMap', { labelSelector: 'l=1' })).items.map((i) => i.metadata.name), ['one']);
    const err = await t.throwsAsync(c.get('ConfigMap', 'nope'));
    t.true(isApiError(err));
    t.is((err as ApiError).code, 404);
    const bad = await t.throwsAsync(c.list('ConfigMap', { labelSelector: 'a in (' }));
    t.is((bad as ApiError).code, 400);
    const d = await c.delete('ConfigMap', 'one');
    t.true(d.removed);
  });
}
