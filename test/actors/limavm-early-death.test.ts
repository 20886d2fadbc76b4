// A hostagent killed as soon as it appears during a start (issue 11, item 7). The restart must come
// from the retry delay the status announces, not from the adoption timeout of a watcher that never
// saw the process alive. The adoption timeout is set far beyond the test's horizon: with the old
// behaviour the VM waits for it, nothing is due within the horizon, and the checks below fail.
import test from 'ava';
import { is, limaVM, startMemoryCore, templateConfigMap } from '../helpers/core.js';

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
