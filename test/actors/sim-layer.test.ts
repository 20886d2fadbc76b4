// The simulator layer of the actor tests: the same daemon core on the limactl driver over the
// bundled simulator, with real processes, real files and real time. The other actor suites run on
// the in-memory Lima model; these few check that the model did not hide what only real processes
// show: a whole lifecycle, adoption of a live hostagent across a daemon restart, and recovery from
// a hostagent crash. (app-crash.test.ts is in this layer too: it kills a real daemon process.)
import test from 'ava';
import { Running } from '../../src/actors/limavm/reasons.js';
import { is, limaVM, startTestCore, templateConfigMap } from '../helpers/core.js';

test('sim: create, start, stop gracefully and delete a LimaVM; nothing is left running', async (t) => {
  // A generous grace period: on a loaded machine a graceful stop must not be forced.
  const tc = await startTestCore(t, { lima: 'sim', config: { stopGraceMs: 30_000, deleteGraceMs: 30_000 } });
  await tc.create(templateConfigMap('src'));
  const vm = await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  t.is(tc.cond('LimaVM', 'vm1', 'Created')?.message, 'Lima instance created successfully (by the bundled Lima simulator)');
  t.is(tc.inspect('vm1').owner, vm.metadata.uid);
  t.true(tc.hostagentPid('vm1') > 0);
  t.regex(tc.eventLog('vm1'), /"running":true/);
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { spec: { running: false } });
  const c = await tc.untilCond('LimaVM', 'vm1', 'Running', 'False', 'Stopped');
  t.is(c.message, Running.StoppedOk.message);
  t.is(tc.hostagentPid('vm1'), 0);
  t.regex(tc.serialLog('vm1'), /Power down/);
  await tc.core.api.delete('LimaVM', 'default', 'vm1');
  await tc.until('gone', () => tc.vm('vm1') === undefined);
  t.false(tc.inspect('vm1').dirExists);
  t.deepEqual(tc.calls().filter((l) => l.kind === 'kill'), [], 'every stop was graceful');
  t.deepEqual(tc.leftovers(), []);
});

test('sim: daemon restart while running: the live hostagent is adopted, not restarted, and still watched', async (t) => {
  const tc = await startTestCore(t, { lima: 'sim' });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  const pid = tc.hostagentPid('vm1');
  // The daemon goes away without stopping its VMs (as after a kill -9): hostagents live on.
  await tc.core.close();
  t.is(tc.hostagentPid('vm1'), pid);
  await tc.restart();
  await tc.until('actor back and watching', () => tc.core.vms.uids().length === 1);
  await tc.quiet(1_000);
  t.is(tc.hostagentPid('vm1'), pid);
  t.is(tc.vm('vm1')?.status?.restartCount, 1);
  t.true(is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  // The adopted hostagent is really watched: its death is noticed and the VM restarts.
  tc.killHostagent('vm1');
  await tc.until('restarted after the crash', () => tc.vm('vm1')?.status?.restartCount === 2 && is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  t.not(tc.hostagentPid('vm1'), pid);
});

test('sim: a crashed hostagent (SIGKILL, its VM driver alive) is noticed and the VM restarted', async (t) => {
  const tc = await startTestCore(t, { lima: 'sim' });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  const before = tc.killHostagent('vm1');
  await tc.until('restartCount 2', () => tc.vm('vm1')?.status?.restartCount === 2 && is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  const after = tc.hostagentPid('vm1');
  t.true(after > 0 && after !== before);
});
