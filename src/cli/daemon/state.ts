// What the CLI can tell about an instance's daemon from its files: the pid file (alive or stale)
// and the endpoint file (which pid wrote it). A zombie counts as dead: where nothing reaps
// orphans (some containers), a killed daemon stays a zombie and kill(pid, 0) still succeeds.
import { readFileSync, rmSync } from 'node:fs';
import { isProcessAlive, parsePid } from '../../lima/driver/process.js';
import type { Paths } from '../../service/instance.js';
import { readEndpointFile } from '../../transport/endpoint.js';
import type { EndpointInfo } from '../../transport/protocol.js';

export function readPidFile(file: string): number | undefined {
  try {
    return parsePid(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export interface DaemonFiles {
  /** The pid in the pid file, when that process is alive. */
  readonly pid: number | undefined;
  /** The pid file names a process that is gone. */
  readonly stalePid: number | undefined;
  /** The endpoint file, if it exists and parses. */
  readonly endpoint: EndpointInfo | undefined;
}

/**
 * Whether `pid` is a live daemon. On Linux the command line must mention `serve`, so a pid file
 * whose pid was reused by some other process counts as stale; elsewhere any live pid counts.
 */
export function isDaemonProcess(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('serve');
  } catch {
    return true;
  }
}

export function daemonFiles(paths: Paths): DaemonFiles {
  const recorded = readPidFile(paths.pidFile);
  const alive = recorded !== undefined && isDaemonProcess(recorded);
  let endpoint: EndpointInfo | undefined;
  try {
    endpoint = readEndpointFile(paths.endpointFile);
  } catch {
    endpoint = undefined;
  }
  return { pid: alive ? recorded : undefined, stalePid: alive ? undefined : recorded, endpoint };
}

/**
 * Removes a pid file whose process is gone (or is not a daemon), so a new daemon can take the
 * lock even where the daemon's own liveness check would mistake a zombie or a reused pid for a
 * live daemon. Re-reads right before removing, so a pid file a new daemon wrote meanwhile is kept.
 */
export function removeStalePidFile(paths: Paths): boolean {
  const pid = readPidFile(paths.pidFile);
  if (pid === undefined || isDaemonProcess(pid)) return false;
  if (readPidFile(paths.pidFile) !== pid) return false;
  rmSync(paths.pidFile, { force: true });
  return true;
}

export { isProcessAlive };
