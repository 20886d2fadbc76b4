// Daemon restarts, orphaned hostagents and graceful shutdown of many VMs (issue 5).
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
