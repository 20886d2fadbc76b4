// The App acts only on objects whose controller ownerReference carries its uid (issue 11, item 1):
// a foreign LimaVM or ConfigMap named like the App's is reported as NameConflict and never
// changed, adopted or deleted.
import test from 'ava';
import { APP_VM_NAME, findCondition, type App, type Condition, type Resource } from '../../src/api/index.js';
import { is, limaVM, startMemoryCore, templateConfigMap, type TestCore } from '../helpers/core.js';
import { quiet } from './quiet.js';

const APP = { apiVersion: 'app.rancherdesktop.io/v1alpha1', kind: 'App' } as const;

function settled(tc: TestCore): Condition | undefined {
  return findCondition((tc.core.store.get('App', '', 'app') as App | undefined)?.status?.conditions, 'Settled');
}

/** Settled with `reason` at the App's current generation. */
function settledNow(tc: TestCore, reason: string, timeoutMs?: number): Promise<Condition> {
  return tc.until(`Settled=${reason} at the current generation`, () => {
    const a = tc.core.store.get('App', '', 'app') as App | undefined;
    const s = settled(tc);
    return a && s?.reason === reason && s.observedGeneration === a.metadata.generation ? s : undefined;
  }, timeoutMs);
}

/** What must not change about a foreign object. */
function fingerprint(o: Resource | undefined) {
  return o && {
    uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, finalizers: o.metadata.finalizers ?? [],
    ownerReferences: o.metadata.ownerReferences ?? [], deletionTimestamp: o.metadata.deletionTimestamp, spec: o.spec, data: o.data,
  };
}

/** A standalone LimaVM `rd`, created and stopped, with nothing left to do. */
async function foreignVM(tc: TestCore): Promise<Resource> {
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM(APP_VM_NAME));
  await tc.until('the foreign rd is created and stopped', () =>
    is(tc.cond('LimaVM', APP_VM_NAME, 'Created'), 'True') && is(tc.cond('LimaVM', APP_VM_NAME, 'Running'), 'False', 'Stopped'), 40_000);
  await quiet(tc);
  return tc.vm(APP_VM_NAME)!;
}

/** Paths of the kernel's live actors. */
function liveActors(tc: TestCore): () => string[] {
  const live = new Set<string>();
  const off = tc.core.kernel.inspect((ev) => {
    if (ev.type === 'spawned') live.add(ev.path);
    if (ev.type === 'stopped') live.delete(ev.path);
  });
  return () => {
    off();
    return [...live];
  };
}

test('a foreign LimaVM rd is never adopted: NameConflict at the current generation, untouched, one actor drives it', async (t) => {
  const tc = await startMemoryCore(t);
  const before = await foreignVM(tc);
  const actors = liveActors(tc);
  let a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: true } });
  const s = await settledNow(tc, 'NameConflict');
  t.is(s.status, 'False');
  t.regex(s.message, /LimaVM default\/rd .*not controlled by this App/);
  t.regex(s.message, /delete or rename it/);
  // A spec edit is answered at its generation too.
  a = await tc.core.api.patch('App', '', 'app', { spec: { virtualMachine: { cpus: 1 } } });
  t.is((await settledNow(tc, 'NameConflict')).observedGeneration, a.metadata.generation);
  await quiet(tc);
  t.deepEqual(fingerprint(tc.vm(APP_VM_NAME)), fingerprint(before));
  t.deepEqual(tc.core.store.list('ConfigMap', { namespace: 'default', name: 'rd-template' }).items.map((c) => controllerOf(c)), [before.metadata.uid]);
  t.false((tc.vm(APP_VM_NAME)!.spec as { running: boolean }).running);
  // No App actor's child drives the VM: its only actor is the standalone one.
  t.deepEqual(actors().filter((p) => p.includes(`limavm-${before.metadata.uid}`) && p.includes('/apps/')), []);
  t.false(findCondition((tc.core.store.get('App', '', 'app') as App).status?.conditions, 'Running') !== undefined);
});

test('deleting the App never deletes a foreign rd or its Lima instance', async (t) => {
  const tc = await startMemoryCore(t);
  const before = await foreignVM(tc);
  await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: true } });
  await settledNow(tc, 'NameConflict');
  await tc.core.api.delete('App', '', 'app');
  await tc.until('App gone', () => !tc.core.store.get('App', '', 'app'), 60_000);
  await quiet(tc);
  t.deepEqual(fingerprint(tc.vm(APP_VM_NAME)), fingerprint(before));
  t.true(tc.inspect(APP_VM_NAME).exists, 'the Lima instance is still on disk');
  t.truthy(tc.core.store.get('ConfigMap', 'default', 'rd-template'));
});

test('once the foreign rd is gone, the App creates its own and settles (the change reaches the App)', async (t) => {
  const tc = await startMemoryCore(t);
  const before = await foreignVM(tc);
  await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false } });
  await settledNow(tc, 'NameConflict');
  await tc.core.api.delete('LimaVM', 'default', APP_VM_NAME);
  const s = await settledNow(tc, 'Settled', 60_000);
  t.is(s.status, 'True');
  const vm = tc.vm(APP_VM_NAME)!;
  t.not(vm.metadata.uid, before.metadata.uid);
  t.is(controllerOf(vm), (tc.core.store.get('App', '', 'app') as App).metadata.uid);
});

test('a foreign ConfigMap rd blocks the create with NameConflict; beside a running App it is never deleted', async (t) => {
  const tc = await startMemoryCore(t);
  const userCM = await tc.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: APP_VM_NAME, namespace: 'default' }, data: { mine: 'yes' } });
  const a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false } });
  const s = await settledNow(tc, 'NameConflict');
  t.regex(s.message, /ConfigMap default\/rd .*not controlled by this App/);
  await quiet(tc);
  t.deepEqual(fingerprint(tc.core.store.get('ConfigMap', 'default', APP_VM_NAME)), fingerprint(userCM));
  t.falsy(tc.vm(APP_VM_NAME), 'no VM was created from a foreign template');

  // Out of the way: the App creates its VM; a user ConfigMap named rd appearing later is left alone.
  await tc.core.api.delete('ConfigMap', 'default', APP_VM_NAME);
  await settledNow(tc, 'Settled', 60_000);
  t.is(settled(tc)?.observedGeneration, a.metadata.generation);
  const again = await tc.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: APP_VM_NAME, namespace: 'default' }, data: { mine: 'again' } });
  await quiet(tc);
  t.deepEqual(fingerprint(tc.core.store.get('ConfigMap', 'default', APP_VM_NAME)), fingerprint(again));
  t.is(settled(tc)?.status, 'True', 'not blocking: the App has its VM');
});

function controllerOf(o: Resource): string | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
}
