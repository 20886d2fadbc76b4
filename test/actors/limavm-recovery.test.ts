// Daemon restarts, orphaned hostagents and graceful shutdown of many VMs (issue 5); a failed create
// whose cleanup fails too, and a hostagent that dies as soon as it appears (issue 11).
import test from 'ava';
import { is, limaVM, startMemoryCore, templateConfigMap } from '../helpers/core.js';
import { quiet } from './quiet.js';

test('daemon restart while running: the live hostagent is adopted, not restarted', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  const pid = tc.hostagentPid('vm1');
  // The daemon goes away without stopping its VMs (as after a kill -9): hostagents live on.
  await tc.drive(tc.core.close());
  t.is(tc.hostagentPid('vm1'), pid);
  await tc.restart();
  await tc.until('actor back and watching', () => tc.core.vms.uids().length === 1);
  await quiet(tc, 1_000);
  t.is(tc.hostagentPid('vm1'), pid);
  t.is(tc.vm('vm1')?.status?.restartCount, 1);
  t.true(is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  // The adopted hostagent is really watched: its death is noticed and the VM restarts.
  tc.killHostagent('vm1');
  await tc.until('restarted after the crash', () => tc.vm('vm1')?.status?.restartCount === 2 && is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
});

test('daemon restart with a broken orphan (hostagent died, driver alive): stopped, then started fresh', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  await tc.drive(tc.core.close());
  const ha = tc.hostagentPid('vm1');
  tc.killHostagent('vm1'); // the driver child survives: Lima reports Broken
  await tc.restart();
  await tc.until('running again', () => tc.vm('vm1')?.status?.restartCount === 2 && is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'), 40_000);
  const fresh = tc.hostagentPid('vm1');
  t.true(fresh > 0 && fresh !== ha);
});

test('daemon restart while stopped with spec.running=false: nothing starts', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1'));
  await tc.until('Stopped', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'False', 'Stopped'));
  await tc.drive(tc.core.close());
  await tc.restart();
  await tc.until('actor back', () => tc.core.vms.uids().length === 1);
  await quiet(tc);
  t.false(tc.calls().some((l) => l.kind === 'call' && l.cmd === 'start'));
});

test('shutdown of 20 running VMs: every hostagent stops gracefully, all at once', async (t) => {
  const tc = await startMemoryCore(t, { config: { shutdownGraceMs: 30_000 },
    // Each guest takes 6 s to power down: one after another that would be two minutes.
    faults: { default: { stopDelayMs: 6000 } }, });
  await tc.create(templateConfigMap('src'));
  const names = Array.from({ length: 20 }, (_, i) => `vm${i}`);
  for (const n of names) await tc.create(limaVM(n, { running: true }));
  await tc.until('all Started', () => names.every((n) => is(tc.cond('LimaVM', n, 'Running'), 'True', 'Started')), 120_000);
  const t0 = tc.core.kernel.clock.now();
  const r = await tc.drive(tc.core.stopVMs(30_000));
  t.deepEqual(r, { vms: 20, forced: 0, failed: 0 });
  const calls = tc.calls();
  t.deepEqual(calls.filter((l) => l.kind === 'kill' && l.time >= t0), [], 'no SIGKILL');
  // Only the shutdown's stops (a boot that failed under load may have been cleaned up earlier).
  const stops = calls.filter((l): l is Extract<typeof l, { kind: 'call' }> => l.kind === 'call' && l.cmd === 'stop' && l.start >= t0);
  t.is(stops.length, 20);
  t.true(stops.every((s) => !s.argv.includes('-f')));
  // Parallel, not one after another: every stop began before any of them ended.
  t.true(Math.max(...stops.map((s) => s.start)) < Math.min(...stops.map((s) => s.end)));
  for (const n of names) {
    t.like(tc.cond('LimaVM', n, 'Running'), {
      status: 'False', reason: 'Stopped', message: 'Lima instance stopped because the daemon shut down', observedGeneration: tc.vm(n)?.metadata.generation,
    });
  }
  t.deepEqual(tc.leftovers(), []);
});

test('a second, more urgent shutdown request forces a slow graceful stop', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  tc.faults({ instances: { vm1: { stopHang: true } } });
  const graceful = tc.core.stopVMs(60_000);
  await tc.until('graceful stop under way', () => tc.calls().some((l) => l.kind === 'hostagent' && l.event === 'signal'));
  const forced = await tc.drive(tc.core.stopVMs(0));
  t.like(forced, { vms: 1, forced: 1, failed: 0 });
  t.like(await tc.drive(graceful), { vms: 1, failed: 0 });
  t.true(tc.calls().some((l) => l.kind === 'kill'));
  t.deepEqual(tc.leftovers(), []);
});

// A failed create whose cleanup also fails (issue 11, item 6): the half-built instance is still
// rdd's, so the `.preparing` sentinel stays until its directory is gone; the VM retries the delete,
// then the create, and never ends at Created=False/InstanceExists.
test('a failed create whose cleanup delete fails keeps its sentinel and recovers once delete works', async (t) => {
  const tc = await startMemoryCore(t, {
    faults: { instances: { vm1: { createFail: 'download', deleteFail: 'injected by the test' } } },
  });
  await tc.create(templateConfigMap('src'));
  const vm = await tc.create(limaVM('vm1'));
  // The create failed after writing the instance, and the cleanup delete failed too.
  await tc.until('create and cleanup failed', () =>
    tc.calls().some((l) => l.kind === 'call' && l.cmd === 'create' && l.exitCode !== 0) &&
    tc.calls().some((l) => l.kind === 'call' && l.cmd === 'delete' && l.exitCode !== 0));
  await tc.until('Created=False', () => is(tc.cond('LimaVM', 'vm1', 'Created'), 'False'));
  t.true(tc.inspect('vm1').exists, 'the half-built instance is still there');
  t.is(tc.inspect('vm1').owner, undefined, 'it has no owner marker');
  t.is(tc.inspect('vm1').preparing, vm.metadata.uid, 'the sentinel still claims it');
  t.not(tc.cond('LimaVM', 'vm1', 'Created')?.reason, 'InstanceExists');

  // Lima works again: the VM deletes its half-built instance, creates it afresh, and owns it.
  tc.faults({});
  await tc.quiet(60_000);
  t.true(is(tc.cond('LimaVM', 'vm1', 'Created'), 'True', 'Created'), JSON.stringify(tc.cond('LimaVM', 'vm1', 'Created')));
  t.is(tc.inspect('vm1').owner, vm.metadata.uid);
  t.is(tc.inspect('vm1').preparing, undefined);
});

// A hostagent killed as soon as it appears during a start (issue 11, item 7). The restart must come
// from the retry delay the status announces, not from the adoption timeout of a watcher that never
// saw the process alive. The adoption timeout is set far beyond the test's horizon: with the old
// behaviour the VM waits for it, nothing is due within the horizon, and the checks below fail.
test('a hostagent SIGKILLed as soon as it appears is restarted after the retry delay, not the adoption timeout', async (t) => {
  const tc = await startMemoryCore(t, { config: { adoptTimeoutMs: 600_000 } });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1'));
  await tc.until('Created', () => is(tc.cond('LimaVM', 'vm1', 'Created'), 'True'));
  // The first hostagent dies before it writes ha.pid: the watcher never sees its pid.
  tc.faults({ instances: { vm1: { startOutcome: 'hostagentExit' } } });
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { spec: { running: true } });
  const first = await tc.until('the first hostagent died', () =>
    tc.calls().find((l) => l.kind === 'hostagent' && l.event === 'exit' && l.instance === 'vm1'));
  tc.faults({});
  // Everything the VM will do soon (the announced retry delay is far inside this horizon).
  await tc.quiet(30_000);
  t.true(is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'), JSON.stringify(tc.cond('LimaVM', 'vm1', 'Running')));
  t.true((tc.vm('vm1')?.status?.restartCount ?? 0) >= 1);
  const now = tc.hostagentPid('vm1');
  t.true(now > 0 && now !== first.pid, 'a new hostagent runs');
  t.true(tc.calls().filter((l) => l.kind === 'call' && l.cmd === 'start').length >= 2, 'the start was retried');
});
