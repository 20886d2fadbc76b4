// One daemon per instance: an exclusive pid file. A pid file whose process is gone is stale and
// replaced; a live one means another daemon owns the instance.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { ApiError } from '../api/index.js';
import { isProcessAlive } from '../lima/driver/process.js';

export function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process lives (a killed, unreaped zombie does not). */
export const isAlive = isProcessAlive;

/** The pid of the live daemon recorded in `path`, or undefined (a stale file counts as none). */
export function runningPid(path: string): number | undefined {
  const pid = readPid(path);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/** Takes the lock or throws 409 naming the running daemon. Returns a release function. */
export function acquirePidFile(path: string, pid = process.pid): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return () => {
        if (readPid(path) === pid) rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const other = readPid(path);
      if (other !== undefined && other !== pid && isAlive(other)) {
        throw new ApiError(409, 'AlreadyExists', `a daemon is already running for this instance (pid ${other}, pid file ${path})`);
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new ApiError(409, 'Conflict', `could not take the pid file ${path}; another daemon may be starting`);
}
