// Removing an instance's state for `service delete` and `service reset`. Hostagents left running
// (a daemon that was killed leaves its VMs running) are interrupted first, and killed only if they
// do not exit within the grace period, so no VM keeps running on deleted files.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, parsePid } from '../../lima/driver/process.js';
import type { Paths } from '../../service/instance.js';

/** Pids of the live hostagents under LIMA_HOME (from each instance's ha.pid). */
export function liveHostagents(limaHome: string): number[] {
  let names: string[];
  try {
    names = readdirSync(limaHome);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    if (n.startsWith('_')) continue;
    try {
      const pid = parsePid(readFileSync(join(limaHome, n, 'ha.pid'), 'utf8'));
      if (pid !== undefined && isProcessAlive(pid)) out.push(pid);
    } catch {
      // no pid file: nothing runs for this instance
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SIGINT every hostagent, wait up to `graceMs`, then SIGKILL what is left. Returns how many were killed. */
export async function stopHostagents(limaHome: string, graceMs: number): Promise<{ stopped: number; killed: number }> {
  const pids = liveHostagents(limaHome);
  const send = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const p of pids) send(p, 'SIGINT');
  const deadline = Date.now() + graceMs;
  while (pids.some(isProcessAlive) && Date.now() < deadline) await sleep(100);
  const left = pids.filter(isProcessAlive);
  for (const p of left) send(p, 'SIGKILL');
  return { stopped: pids.length - left.length, killed: left.length };
}

/**
 * Everything of the instance: the service dir (logs included, unless kept) and the short dir. A
 * log dir outside the service dir (RDD_LOG_DIR) is the user's and is never removed.
 */
export function deleteInstanceFiles(paths: Paths, keepLogs: boolean): void {
  if (keepLogs) removeExcept(paths.dir, [paths.logDir]);
  else rmSync(paths.dir, { recursive: true, force: true });
  rmSync(paths.shortDir, { recursive: true, force: true });
}

/** The state only: store, endpoint, Lima instances and sockets. The logs and config.json stay. */
export function resetInstanceFiles(paths: Paths): void {
  removeExcept(paths.dir, [paths.logDir, paths.configFile]);
  rmSync(paths.shortDir, { recursive: true, force: true });
}

function removeExcept(dir: string, keep: readonly string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (keep.includes(p)) continue;
    rmSync(p, { recursive: true, force: true });
  }
}
