// A hostagent killed as soon as it appears during a start (issue 11, item 7). The restart must come
// from the retry delay the status announces, not from the adoption timeout of a watcher that never
// saw the process alive. The adoption timeout is set far beyond the test's horizon: with the old
// behaviour the VM waits for it, the kernel goes quiet, and the checks below fail.
import test from 'ava';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { is, limaVM, startTestCore, templateConfigMap } from '../helpers/core.js';
import { parsePid } from '../../src/lima/driver/process.js';
import { processesUnder } from '../lima/helpers/sim.js';

/**
 * SIGKILLs the first hostagent process of `home` as soon as it exists, and removes its ha.pid if it
 * got that far: Lima's own inspection deletes a stale pid file, possibly before the watcher polls,
 * so the watcher never sees this hostagent's pid whatever the timing.
 */
function killFirstHostagent(home: string, pidFile: string): Promise<number> {
  return new Promise((resolve) => {
    const look = () => {
      const ha = processesUnder(home).find((p) => / hostagent /.test(p.cmdline));
      if (ha === undefined) {
        setImmediate(look);
        return;
      }
      process.kill(ha.pid, 'SIGKILL');
      rmSync(pidFile, { force: true });
      resolve(ha.pid);
    };
    look();
  });
}

test.serial('a hostagent SIGKILLed as soon as it appears is restarted after the retry delay, not the adoption timeout', async (t) => {
  const tc = await startTestCore(t, { config: { adoptTimeoutMs: 600_000 } });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1'));
  await tc.until('Created', () => is(tc.cond('LimaVM', 'vm1', 'Created'), 'True'));
  const pidFile = join(tc.limaHome, 'vm1', 'ha.pid');
  const killed = killFirstHostagent(tc.home, pidFile);
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { spec: { running: true } });
  const first = await killed;
  // Everything the VM will do soon (the announced retry delay is far inside this horizon).
  await tc.core.kernel.quiescent({ horizonMs: 30_000, timeoutMs: 60_000 });
  t.true(is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'), JSON.stringify(tc.cond('LimaVM', 'vm1', 'Running')));
  t.true((tc.vm('vm1')?.status?.restartCount ?? 0) >= 1);
  const now = parsePid(readFileSync(pidFile, 'utf8'));
  t.true(now !== undefined && now !== first, 'a new hostagent runs');
  t.true(tc.calls().filter((l) => l.kind === 'call' && l.cmd === 'start').length >= 2, 'the start was retried');
});
