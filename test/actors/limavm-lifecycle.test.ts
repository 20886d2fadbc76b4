// LimaVM actors on the in-memory Lima model: create, start, stop, failures (issue 5's paths).
import test from 'ava';
import { Running } from '../../src/actors/limavm/reasons.js';
import { is, limaVM, startMemoryCore, templateConfigMap } from '../helpers/core.js';
import { quiet } from './quiet.js';

test('create: Pending → Created, template ConfigMap owned by the VM, instance files on disk', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  const vm = await tc.create(limaVM('vm1'));
  t.true(vm.metadata.finalizers?.includes('rdd.rancherdesktop.io/cleanup'));
  await tc.until('Created=True', () => is(tc.cond('LimaVM', 'vm1', 'Created'), 'True', 'Created'));
  // The simulator ran it, and the condition says so.
  t.is(tc.cond('LimaVM', 'vm1', 'Created')?.message, 'Lima instance created successfully (by the bundled Lima simulator)');
  const cm = tc.core.store.get('ConfigMap', 'default', 'vm1-template');
  t.is(cm?.metadata.ownerReferences?.[0]?.uid, vm.metadata.uid);
  t.deepEqual(cm?.metadata.finalizers, ['rdd.rancherdesktop.io/owned-by-LimaVM']);
  t.is(tc.vm('vm1')?.status?.observedTemplateResourceVersion, cm?.metadata.resourceVersion);
  t.is(tc.inspect('vm1').owner, vm.metadata.uid);
  await tc.until('Running=False/Stopped', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'False', 'Stopped'));
});

test('create: an invalid template is rejected at admission and leaves nothing behind', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src', 'images: []\n'));
  const err = await t.throwsAsync(tc.create(limaVM('vm1')));
  t.regex(err?.message ?? '', /failed to create template ConfigMap: .*failed to validate template/);
  t.is(tc.core.store.get('ConfigMap', 'default', 'vm1-template'), undefined);
  t.is(tc.vm('vm1'), undefined);
});

test('create: a download failure is CreateFailed with the error, retried with backoff, and succeeds once fixed', async (t) => {
  const tc = await startMemoryCore(t, { faults: { instances: { vm1: { createFail: 'download' } } } });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1'));
  const c = await tc.untilCond('LimaVM', 'vm1', 'Created', 'False', 'CreateFailed');
  t.regex(c.message, /attempt 1; retrying in/);
  tc.faults({});
  await tc.until('Created=True after the fault is gone', () => is(tc.cond('LimaVM', 'vm1', 'Created'), 'True'));
  const creates = tc.calls().filter((l) => l.kind === 'call' && l.cmd === 'create');
  t.true(creates.length >= 2);
});

test('start: Reconciling → Starting → Started with restartCount 1; readiness from the running event', async (t) => {
  const tc = await startMemoryCore(t, { faults: { default: { bootDelayMs: 300 } } });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  const seen: string[] = [];
  const unsub = tc.core.store.subscribe((ev) => {
    const r = (ev.object.status as { conditions?: Array<{ type: string; reason: string }> } | undefined)?.conditions?.find((x) => x.type === 'Running');
    if (ev.object.kind === 'LimaVM' && r && seen.at(-1) !== r.reason) seen.push(r.reason);
  });
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  unsub();
  t.deepEqual(seen.slice(-3), ['Reconciling', 'Starting', 'Started']);
  t.is(tc.vm('vm1')?.status?.restartCount, 1);
  const events = tc.eventLog('vm1');
  t.regex(events, /"running":true/);
});

test('a degraded boot is Running=True/Started with the errors in the message', async (t) => {
  const tc = await startMemoryCore(t, { faults: { default: { startOutcome: 'degraded' } } });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  const c = await tc.untilCond('LimaVM', 'vm1', 'Running', 'True', 'Started');
  t.regex(c.message, /degraded/);
});

test('stop: spec.running=false stops gracefully (SIGINT, no kill) → Stopped', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { spec: { running: false } });
  const c = await tc.untilCond('LimaVM', 'vm1', 'Running', 'False', 'Stopped');
  t.is(c.message, Running.StoppedOk.message);
  t.is(tc.hostagentPid('vm1'), 0);
  t.deepEqual(tc.calls().filter((l) => l.kind === 'kill'), []);
  t.regex(tc.serialLog('vm1'), /Power down/);
});

test('stop hang: the graceful stop is bounded, then forced', async (t) => {
  const tc = await startMemoryCore(t, { config: { stopGraceMs: 500 } });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  tc.faults({ instances: { vm1: { stopHang: true } } });
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { spec: { running: false } });
  await tc.until('Stopped', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'False', 'Stopped'));
  t.true(tc.calls().some((l) => l.kind === 'kill'));
  t.is(tc.hostagentPid('vm1'), 0);
});

test('hostagent SIGKILL: the VM restarts with a new pid and restartCount+1', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  const before = tc.killHostagent('vm1');
  t.true(before > 0);
  await tc.until('restartCount 2', () => tc.vm('vm1')?.status?.restartCount === 2 && is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  const after = tc.hostagentPid('vm1');
  t.true(after > 0);
  t.not(after, before);
});

test('crash loop: a VM that keeps dying gets StartFailed with the last error and stops retrying', async (t) => {
  const tc = await startMemoryCore(t, { faults: { default: { startOutcome: 'exiting' } } });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  const c = await tc.untilCond('LimaVM', 'vm1', 'Running', 'False', 'StartFailed');
  t.regex(c.message, /gave up after 3 failures/);
  const starts = tc.calls().filter((l) => l.kind === 'call' && l.cmd === 'start').length;
  t.is(starts, 3);
  // It stays given up: no more starts while nothing changes.
  await quiet(tc);
  t.is(tc.calls().filter((l) => l.kind === 'call' && l.cmd === 'start').length, starts);
  // A restart request gives it another chance (and it succeeds once the fault is gone).
  tc.faults({});
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { metadata: { annotations: { 'lima.rancherdesktop.io/restartRequested': 'now' } } });
  await tc.until('Started after the restart request', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
});

test('two VMs in parallel: a slow create never delays the other VM', async (t) => {
  const tc = await startMemoryCore(t, { faults: { instances: { slow: { createDelayMs: 8000 } } } });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('slow', { running: true }));
  await tc.until('slow create under way', () => tc.calls().length > 0 && !!tc.vm('slow'));
  await tc.create(limaVM('fast', { running: true }));
  await tc.until('fast Started', () => is(tc.cond('LimaVM', 'fast', 'Running'), 'True', 'Started'));
  // The slow VM is still being created when the fast one already runs.
  t.not(tc.cond('LimaVM', 'slow', 'Created')?.status, 'True');
  await tc.until('slow Started', () => is(tc.cond('LimaVM', 'slow', 'Running'), 'True', 'Started'), 30_000);
});
