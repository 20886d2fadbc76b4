// Stopping the daemon: SIGINT (it stops every VM gracefully, in parallel, then exits), wait for the
// process to go; past the timeout send SIGTERM and report a timeout.
import type { Paths } from '../../service/instance.js';
import { formatDuration } from '../duration.js';
import { timeoutError } from '../exit.js';
import { daemonFiles, isProcessAlive, removeStalePidFile } from './state.js';

export interface StopResult {
  readonly wasRunning: boolean;
  readonly pid?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Resolves once `pid` is gone, or false at the deadline. */
export async function waitForExit(pid: number, deadline: number): Promise<boolean> {
  let delay = 20;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
  return true;
}

export async function stopService(paths: Paths, timeoutMs: number, onStopping?: (pid: number) => void): Promise<StopResult> {
  const { pid } = daemonFiles(paths);
  if (pid === undefined) {
    removeStalePidFile(paths);
    return { wasRunning: false };
  }
  onStopping?.(pid);
  signal(pid, 'SIGINT');
  if (await waitForExit(pid, Date.now() + timeoutMs)) return { wasRunning: true, pid };
  signal(pid, 'SIGTERM');
  throw timeoutError(
    `the rdd daemon (pid ${pid}) did not stop within ${formatDuration(timeoutMs)}; sent SIGTERM. ` +
      `Run "rdd service stop" again to wait longer, or see ${paths.daemonLog}`,
  );
}
