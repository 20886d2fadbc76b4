// Removing an instance's state for `service delete` and `service reset`. Hostagents left running
// (a daemon that was killed leaves its VMs running) are interrupted first, and killed only if they
// do not exit within the grace period, so no VM keeps running on deleted files.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
// The two modules, not the lima barrel: a client command must not load the driver (execa).
import { liveHostagentPids } from '../../lima/driver/instance-files.js';
import { signalThenKill } from '../../lima/driver/process.js';
import type { Paths } from '../../service/instance.js';

/** SIGINT every hostagent, wait up to `graceMs`, then SIGKILL what is left. Returns how many were killed. */
export function stopHostagents(limaHome: string, graceMs: number): Promise<{ stopped: number; killed: number }> {
  return signalThenKill(liveHostagentPids(limaHome), { graceMs });
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
