// Watches the hostagent pid: read from ha.pid once it appears, then kill(pid, 0) on every poll.
// A SIGKILLed hostagent writes no exiting event and leaves ha.pid behind, so exit is reported
// from liveness, once per pid.
import { readFileSync, statSync } from 'node:fs';
import { isProcessAlive, parsePid } from '../driver/process.js';

/** Pid files older than `since` minus this are from an earlier run (coarse mtime on some FS). */
const MTIME_SLACK_MS = 1000;

export class PidWatcher {
  #pid: number | undefined;
  #lastExited: number | undefined;

  constructor(
    readonly pidFile: string,
    private readonly since: number,
  ) {}

  /** The live pid being watched, if any. */
  get pid(): number | undefined {
    return this.#pid;
  }

  /** Returns the pid that has just exited, if one did since the last poll. */
  poll(): number | undefined {
    if (this.#pid !== undefined) {
      if (isProcessAlive(this.#pid)) return undefined;
      return this.#exited(this.#pid);
    }
    const found = this.#read();
    if (found === undefined || found.pid === this.#lastExited) return undefined;
    if (isProcessAlive(found.pid)) {
      this.#pid = found.pid;
      return undefined;
    }
    // Already dead when first seen: report it only if this run wrote the file; a stale file from
    // an earlier run says nothing about this one.
    return found.mtimeMs >= this.since - MTIME_SLACK_MS ? this.#exited(found.pid) : undefined;
  }

  #exited(pid: number): number {
    this.#pid = undefined;
    this.#lastExited = pid;
    return pid;
  }

  #read(): { pid: number; mtimeMs: number } | undefined {
    try {
      const pid = parsePid(readFileSync(this.pidFile, 'utf8'));
      return pid === undefined ? undefined : { pid, mtimeMs: statSync(this.pidFile).mtimeMs };
    } catch {
      return undefined;
    }
  }
}
