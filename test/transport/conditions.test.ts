// The condition stream: a snapshot, then transitions only; and waitForCondition on top of it.
import test from 'ava';
import type { ApiError } from '../../src/api/index.js';
import { isConditionFailed, type ConditionUpdate } from '../../src/transport/index.js';
import { createVM, eventually, rawConnect, setVMCondition, startEnv } from './helpers.js';

test('condition stream: snapshot, then only transitions, removals and the deletion', async (t) => {
  const env = await startEnv(t);
  await createVM(env.api, 'vm1');
  setVMCondition(env.store, 'vm1', { type: 'Created', status: 'True', reason: 'Created', lastTransitionTime: '2026-01-01T00:00:00Z' });
  const peer = await rawConnect(t, env.gw, { encoding: 'msgpack' });
  peer.send({ id: 1, op: 'conditions', kind: 'LimaVM', namespace: 'default', name: 'vm1' });
  await peer.until((m) => m.id === 1);
  const snap = await peer.until((m) => m.sub === 1);
  t.like(snap, { type: 'snapshot', objects: [{ name: 'vm1', conditions: [{ type: 'Created', status: 'True', reason: 'Created' }] }] });

  // A status write that leaves every condition as it was: nothing is sent.
  env.store.patch('LimaVM', 'default', 'vm1', { status: { restartCount: 3 } }, { subresource: 'status' });
  // A spec write (generation bump) without condition changes: nothing either.
  env.store.patch('LimaVM', 'default', 'vm1', { spec: { params: { a: 'b' } } });
  // One condition appears: one event with just that condition.
  setVMCondition(env.store, 'vm1', { type: 'Running', status: 'False', reason: 'Starting', message: 'booting' });
  // Same status, new message: a change (no new transition time).
  setVMCondition(env.store, 'vm1', { type: 'Running', status: 'False', reason: 'Starting', message: 'still booting' });
  setVMCondition(env.store, 'vm1', { type: 'Running', status: 'True', reason: 'Started' });
  // Remove Created.
  const cur = env.store.mustGet('LimaVM', 'default', 'vm1');
  const conds = (cur.status as { conditions: { type: string }[] }).conditions.filter((c) => c.type !== 'Created');
  env.store.patch('LimaVM', 'default', 'vm1', { status: { conditions: conds } }, { subresource: 'status' });
  // Delete (finalizers held it; releasing them removes it).
  await env.api.delete('LimaVM', 'default', 'vm1');
  env.store.patch('LimaVM', 'default', 'vm1', { metadata: { finalizers: null } });
  t.is(env.store.get('LimaVM', 'default', 'vm1'), undefined);

  const got: Record<string, unknown>[] = [];
  while (got.length < 5) got.push(await peer.until((m) => m.sub === 1));
  t.like(got[0], { type: 'condition', kind: 'LimaVM', namespace: 'default', name: 'vm1', condition: { type: 'Running', status: 'False', message: 'booting' } });
  t.like(got[1], { type: 'condition', condition: { type: 'Running', status: 'False', message: 'still booting' } });
  t.like(got[2], { type: 'condition', condition: { type: 'Running', status: 'True', reason: 'Started' } });
  t.like(got[3], { type: 'removed', conditionType: 'Created' });
  t.like(got[4], { type: 'deleted', name: 'vm1' });
  const uid = (got[0] as { uid: string }).uid;
  t.true(got.every((m) => m.uid === uid));
  // Each event carries the object's resourceVersion at that write, increasing.
  const rvs = got.map((m) => Number(m.resourceVersion));
  t.deepEqual([...rvs].sort((a, b) => a - b), rvs);
  t.is((got[0] as { generation: number }).generation, 2);
  // Nothing else arrived.
  peer.send({ id: 2, op: 'hello' });
  await peer.until((m) => m.id === 2);
  t.is(peer.received.filter((m) => m.sub === 1).length, 6);
});

test('condition stream over a whole kind, and the client re-subscribes after a reconnect', async (t) => {
  const env = await startEnv(t);
  await createVM(env.api, 'a');
  const c = await env.client({ encoding: 'json' });
  const updates: ConditionUpdate[] = [];
  const sub = c.conditions('LimaVM', undefined, {}, (u) => updates.push(u));
  await sub.started;
  await eventually(() => updates.length === 1);
  t.like(updates[0], { type: 'snapshot', objects: [{ name: 'a' }] });
  await createVM(env.api, 'b');
  setVMCondition(env.store, 'b', { type: 'Created', status: 'Unknown', reason: 'Pending' });
  await eventually(() => updates.length === 2);
  t.like(updates[1], { type: 'condition', name: 'b', condition: { type: 'Created', status: 'Unknown' } });

  c.currentConnection()!.terminate();
  await eventually(() => updates.length === 3, 10_000, 'fresh snapshot after reconnect');
  const snap = updates[2] as Extract<ConditionUpdate, { type: 'snapshot' }>;
  t.deepEqual(snap.objects.map((o) => o.name).sort(), ['a', 'b']);
  setVMCondition(env.store, 'a', { type: 'Created', status: 'True', reason: 'Created' });
  await eventually(() => updates.length === 4);
  t.like(updates[3], { type: 'condition', name: 'a' });
  sub.close();
});

test('waitForCondition: status and reason, since, failFast, timeout, deletion, abort', async (t) => {
  const env = await startEnv(t);
  await createVM(env.api, 'vm');
  const c = await env.client();
  const old = '2020-01-01T00:00:00Z';
  setVMCondition(env.store, 'vm', { type: 'Running', status: 'True', reason: 'Started', lastTransitionTime: old });

  // Already true in the snapshot.
  const now = await c.waitForCondition('LimaVM', 'vm', { type: 'running', timeoutMs: 5000 });
  t.is(now.reason, 'Started');

  // `since` ignores the stale True; the wait ends on the new transition, seeing the steps in between.
  const seen: string[] = [];
  const since = new Date();
  const waiting = c.waitForCondition('LimaVM', 'vm', { type: 'Running', since, timeoutMs: 10_000, onTransition: (x) => seen.push(`${x.status}/${x.reason}`) });
  await new Promise((r) => setTimeout(r, 50));
  setVMCondition(env.store, 'vm', { type: 'Running', status: 'False', reason: 'Starting' });
  setVMCondition(env.store, 'vm', { type: 'Running', status: 'True', reason: 'Started' });
  const got = await waiting;
  t.true(Date.parse(got.lastTransitionTime) >= Math.floor(since.getTime() / 1000) * 1000);
  t.deepEqual(seen, ['True/Started', 'False/Starting', 'True/Started']);

  // Reason filter.
  const byReason = c.waitForCondition('LimaVM', 'vm', { type: 'Created', status: 'False', reason: 'CreateFailed', timeoutMs: 10_000 });
  setVMCondition(env.store, 'vm', { type: 'Created', status: 'False', reason: 'Pending' });
  setVMCondition(env.store, 'vm', { type: 'Created', status: 'False', reason: 'CreateFailed', message: 'boom' });
  t.is((await byReason).message, 'boom');

  // failFast ends the wait with a typed error carrying the condition.
  const failing = c.waitForCondition('LimaVM', 'vm', {
    type: 'Ready',
    timeoutMs: 10_000,
    failFast: (x) => x.type === 'Created' && x.reason === 'CreateFailed',
  });
  const ff = await t.throwsAsync(failing);
  t.true(isConditionFailed(ff));
  t.like(ff, { condition: { type: 'Created', reason: 'CreateFailed' } });

  // minObservedGeneration: a condition without observedGeneration never satisfies it.
  const gen = await t.throwsAsync(c.waitForCondition('LimaVM', 'vm', { type: 'Running', minObservedGeneration: 1, timeoutMs: 300 }));
  t.is((gen as ApiError).code, 504);
  t.is((gen as ApiError).reason, 'Timeout');

  // Abort.
  const ac = new AbortController();
  const aborted = c.waitForCondition('LimaVM', 'vm', { type: 'Nope', timeoutMs: 10_000, signal: ac.signal });
  ac.abort(new Error('stop'));
  await t.throwsAsync(aborted, { message: 'stop' });

  // Deletion while waiting.
  const gone = c.waitForCondition('LimaVM', 'vm', { type: 'Nope', timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 50));
  await env.api.delete('LimaVM', 'default', 'vm');
  env.store.patch('LimaVM', 'default', 'vm', { metadata: { finalizers: null } });
  const del = await t.throwsAsync(gone);
  t.is((del as ApiError).code, 404);
  t.regex((del as Error).message, /deleted while waiting/);
});

test('waitForCondition on an object that does not exist yet waits for it', async (t) => {
  const env = await startEnv(t);
  const c = await env.client();
  const waiting = c.waitForCondition('LimaVM', 'later', { type: 'Created', status: 'Unknown', timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 50));
  await createVM(env.api, 'later');
  setVMCondition(env.store, 'later', { type: 'Created', status: 'Unknown', reason: 'Pending' });
  t.is((await waiting).reason, 'Pending');
});
