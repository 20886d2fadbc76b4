// The App actor on the in-memory Lima model: creation, mirroring, Settled (issue 6).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { readPortClaims } from '../../src/actors/app/port.js';
import { APP_VM_NAME, findCondition, type App, type Condition, type LimaVM } from '../../src/api/index.js';
import { is, startMemoryCore, type TestCore } from '../helpers/core.js';
import { quiet } from './quiet.js';

const APP = { apiVersion: 'app.rancherdesktop.io/v1alpha1', kind: 'App' } as const;

function app(tc: TestCore): App | undefined {
  return tc.core.store.get('App', '', 'app') as App | undefined;
}

function settled(tc: TestCore): Condition | undefined {
  return findCondition(app(tc)?.status?.conditions, 'Settled');
}

/** Settled=True at or after `generation`. */
async function settledAt(tc: TestCore, generation: number, timeoutMs = 40_000) {
  return tc.until(`Settled=True at generation ${generation}`, () => {
    const s = settled(tc);
    return s?.status === 'True' && (s.observedGeneration ?? 0) >= generation ? s : undefined;
  }, timeoutMs);
}

test('an App with running=true creates namespace, VM rd and settles; the input ConfigMap is gone', async (t) => {
  const tc = await startMemoryCore(t);
  const created = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: true } });
  await settledAt(tc, created.metadata.generation);
  const a = app(tc)!;
  t.true(a.metadata.finalizers?.includes('rdd.rancherdesktop.io/cleanup'));
  const vm = tc.vm(APP_VM_NAME)!;
  t.deepEqual(vm.metadata.finalizers?.sort(), ['rdd.rancherdesktop.io/cleanup', 'rdd.rancherdesktop.io/owned-by-App']);
  t.like(vm.metadata.ownerReferences?.[0], { kind: 'App', uid: a.metadata.uid, controller: true });
  t.is(tc.core.store.get('ConfigMap', 'default', APP_VM_NAME), undefined);
  // Mirrored exactly, with the App's generation.
  const vmRunning = findCondition(vm.status?.conditions, 'Running')!;
  const appRunning = findCondition(a.status?.conditions, 'Running')!;
  t.is(appRunning.lastTransitionTime, vmRunning.lastTransitionTime);
  t.like(appRunning, { status: 'True', reason: 'Started', message: vmRunning.message, observedGeneration: a.metadata.generation });
});

test('App validation: the singleton name, namespace immutability, host bounds', async (t) => {
  const tc = await startMemoryCore(t);
  const bad = await t.throwsAsync(tc.create({ ...APP, metadata: { name: 'other' }, spec: { running: false } }));
  t.regex(bad?.message ?? '', /App resource must be named 'app'/);
  await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false } });
  const ns = await t.throwsAsync(tc.core.api.patch('App', '', 'app', { spec: { namespace: 'elsewhere' } }));
  t.regex(ns?.message ?? '', /spec\.namespace is immutable/);
  const cpus = await t.throwsAsync(tc.core.api.patch('App', '', 'app', { spec: { virtualMachine: { cpus: 100000 } } }));
  t.regex(cpus?.message ?? '', /spec\.virtualMachine\.cpus 100000 exceeds the host CPU count of \d+/);
  const mem = await t.throwsAsync(tc.core.api.patch('App', '', 'app', { spec: { virtualMachine: { memory: '1Gi' } } }));
  t.regex(mem?.message ?? '', /spec\.virtualMachine\.memory 1Gi is less than the minimum of 2Gi/);
  const k8s = await t.throwsAsync(tc.core.api.patch('App', '', 'app', { spec: { kubernetes: { enabled: true, version: '0.1.0' } } }));
  t.regex(k8s?.message ?? '', /spec\.kubernetes\.version "0\.1\.0" is not supported/);
  const ok = await tc.core.api.patch('App', '', 'app', { spec: { kubernetes: { enabled: true, version: 'stable' } } });
  t.regex((ok.spec as App['spec']).kubernetes?.version ?? '', /^\d+\.\d+\.\d+$/);
});

test('Settled follows start, stop and a template change (cpus) with the VM restarted on the new template', async (t) => {
  const tc = await startMemoryCore(t);
  let a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: true } });
  await settledAt(tc, a.metadata.generation);
  a = await tc.core.api.patch('App', '', 'app', { spec: { virtualMachine: { cpus: 1 } } });
  // The template change holds Settled at False until the VM has restarted on it.
  await settledAt(tc, a.metadata.generation);
  t.is(tc.vm(APP_VM_NAME)?.status?.restartCount, 2);
  const cm = tc.core.store.get('ConfigMap', 'default', 'rd-template')!;
  t.regex(cm.data!.template!, /^cpus: 1$/m);
  t.is(tc.vm(APP_VM_NAME)?.status?.observedTemplateResourceVersion, cm.metadata.resourceVersion);
  a = await tc.core.api.patch('App', '', 'app', { spec: { running: false } });
  await settledAt(tc, a.metadata.generation);
  t.true(is(tc.cond('LimaVM', APP_VM_NAME, 'Running'), 'False', 'Stopped'));
  t.false(tc.vm(APP_VM_NAME)!.spec.running);
});

test('CreateFailed reaches Settled (fail fast), and so does StartFailed', async (t) => {
  const tc = await startMemoryCore(t, { faults: { default: { createFail: 'download' } } });
  const a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: true } });
  const s = await tc.until('Settled=False/CreateFailed', () => {
    const x = settled(tc);
    return x?.reason === 'CreateFailed' && (x.observedGeneration ?? 0) >= a.metadata.generation ? x : undefined;
  });
  t.is(s.status, 'False');
  t.regex(s.message, /download|image/i);

  tc.faults({ default: { startOutcome: 'exiting' } });
  const s2 = await tc.until('Settled=False/StartFailed', () => {
    const x = settled(tc);
    return x?.reason === 'StartFailed' ? x : undefined;
  }, 60_000);
  t.regex(s2.message, /gave up/);
});

test('mirroring removes an App condition the VM no longer has, and truncates long messages', async (t) => {
  const tc = await startMemoryCore(t);
  const a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false } });
  await settledAt(tc, a.metadata.generation);
  // Another writer puts an extra condition on the VM (with a huge message), then drops it.
  const write = (conds: Condition[]) => {
    const vm = tc.vm(APP_VM_NAME) as LimaVM;
    tc.core.store.updateStatus({ ...vm, status: { ...vm.status, conditions: conds } });
  };
  const base = tc.vm(APP_VM_NAME)!.status!.conditions!;
  write([...base, { type: 'Extra', status: 'True', reason: 'Test', message: 'x'.repeat(40_000), lastTransitionTime: '2026-01-01T00:00:00Z' }]);
  const extra = await tc.until('Extra mirrored', () => findCondition(app(tc)?.status?.conditions, 'Extra'));
  t.is(Array.from(extra.message).length, 32768);
  t.true(extra.message.endsWith('… (truncated)'));
  const withExtra = app(tc)!.metadata.resourceVersion;
  write(base.filter((c) => c.type !== 'Extra'));
  const after = await tc.until('the App rewrote its conditions after the VM dropped Extra', () => {
    const a = app(tc);
    return a && a.metadata.resourceVersion !== withExtra ? a : undefined;
  });
  t.is(findCondition(after.status?.conditions, 'Extra'), undefined);
  t.deepEqual(after.status!.conditions!.map((c) => c.type).sort(), ['Created', 'Running', 'Settled']);
});

test('two Apps cannot exist; a status-only change writes nothing more at steady state', async (t) => {
  const tc = await startMemoryCore(t);
  const a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false } });
  await settledAt(tc, a.metadata.generation);
  await quiet(tc);
  const rev = tc.core.store.currentRevision();
  // Wake every actor once: a steady App and VM find nothing to do and write nothing.
  for (const uid of tc.core.apps.uids()) tc.core.apps.notify(uid);
  for (const uid of tc.core.vms.uids()) tc.core.vms.notify(uid);
  await quiet(tc);
  t.is(tc.core.store.currentRevision(), rev, 'a steady App and VM perform no writes');
  const dup = await t.throwsAsync(tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false } }));
  t.is((dup as { code?: number }).code, 409);
});

test('enabling Kubernetes records the instance\'s claimed port once, and the template uses it', async (t) => {
  const tc = await startMemoryCore(t);
  // The instance already holds a Kubernetes claim (as after a crash between choosing and
  // recording): choosing hands it back without binding anything.
  const instance = readPortClaims(tc.paths.portsDir).find((c) => c.purpose === 'ssh')?.instance;
  t.truthy(instance, 'the core claimed its SSH port');
  writeFileSync(join(tc.paths.portsDir, '7999'), JSON.stringify({ instance, purpose: 'kubernetes' }));
  const ports: Array<number | undefined> = [];
  const unsub = tc.core.store.subscribe((ev) => {
    if (ev.object.kind !== 'App') return;
    const port = (ev.object as App).status?.kubernetesPort;
    if (port !== (ev.oldObject as App | undefined)?.status?.kubernetesPort) ports.push(port);
  });
  t.teardown(unsub);
  const a = await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false, kubernetes: { enabled: true, version: 'stable' } } });
  await settledAt(tc, a.metadata.generation);
  await quiet(tc);
  t.deepEqual(ports, [7999], 'written once, never changed');
  t.regex(tc.core.store.get('ConfigMap', 'default', 'rd-template')?.data?.template ?? '', /hostPort: 7999/);
});
