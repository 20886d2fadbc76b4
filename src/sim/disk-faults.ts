// Faults that change an instance directory before a command inspects it: corruptTemplate and
// stalePid. Applied by every command that names the instance (and by list for each instance).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimFaults } from './faults.js';
import { FILES, instDir } from './files.js';
import { isAlive } from './procs.js';

export const CORRUPT_MARKER = '# corrupted by rdd-limactl-sim (corruptTemplate)';
/** How long a "foreign" process lives at most if nobody kills it. */
const FOREIGN_LIFETIME_MS = 10 * 60_000;

/** A pid no process has right now (for a stale ha.pid). */
function deadPid(): number {
  let max = 32768;
  try {
    max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim()) || max;
  } catch {
    // Not Linux: the classic limit is fine.
  }
  for (;;) {
    const pid = Math.floor(max / 2 + Math.random() * (max / 2 - 1));
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

/** A live, harmless, detached process standing for an unrelated program that reused the pid. */
function spawnForeign(dir: string): number {
  const child = spawn(process.execPath, ['-e', `setTimeout(() => {}, ${FOREIGN_LIFETIME_MS})`, `${dir}#foreign`], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid ?? deadPid();
}

export function applyDiskFaults(limaHome: string, name: string, faults: SimFaults): void {
  const dir = instDir(limaHome, name);
  const yaml = join(dir, FILES.limaYaml);
  if (!existsSync(yaml)) return;
  if (faults.corruptTemplate === true && !readFileSync(yaml, 'utf8').startsWith(CORRUPT_MARKER)) {
    writeFileSync(yaml, `${CORRUPT_MARKER}\nimages: [ {location: "unterminated\n  cpus: : 2\n`);
  }
  const haPid = join(dir, FILES.haPid);
  if (faults.stalePid !== undefined && !existsSync(haPid)) {
    const pid = faults.stalePid === 'foreign' ? spawnForeign(dir) : deadPid();
    if (faults.stalePid === 'dead' || isAlive(pid)) writeFileSync(haPid, `${pid}\n`);
  }
}
