// Pid files and process liveness, the way Lima reads them (docs/lima.md#instance-directory): kill(pid, 0), EPERM
// counts as alive, a dead pid's file is deleted. Zombies count as dead: on a host whose init
// never reaps orphans, a SIGKILLed hostagent would otherwise look alive forever.
import { readFileSync, unlinkSync } from 'node:fs';
import { isProcessAlive } from '../lima/driver/process.js';
import { setTimeout as delay } from 'node:timers/promises';

/** Lima's liveness rule, shared with the driver (one definition of "alive"). */
export const isAlive = isProcessAlive;

export type PidFileState =
  | { kind: 'absent' }
  | { kind: 'garbage'; error: string }
  | { kind: 'alive'; pid: number }
  /** The file named a dead process and was deleted. */
  | { kind: 'stale'; pid: number };

/** Reads a pid file; a stale one is removed (as Lima's inspection does). */
export function readPidFile(path: string): PidFileState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'garbage', error: (e as Error).message };
  }
  const t = text.trim();
  const pid = Number(t);
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(pid) || pid <= 0) {
    return { kind: 'garbage', error: `error parsing pid from ${JSON.stringify(path)}: invalid syntax ${JSON.stringify(t)}` };
  }
  if (isAlive(pid)) return { kind: 'alive', pid };
  rmQuiet(path);
  return { kind: 'stale', pid };
}

/** The live pid of a pid file, 0 otherwise (garbage counts as 0 here). */
export function livePid(path: string): number {
  const s = readPidFile(path);
  return s.kind === 'alive' ? s.pid : 0;
}

export function rmQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone is what we wanted.
  }
}

export const sleep = (ms: number): Promise<void> => delay(ms);

/** Polls `cond` every `intervalMs` until true or `timeoutMs` elapsed; resolves with the last result. */
export async function pollUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await delay(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

/** SIGKILL, ignoring a process that is already gone. */
export function killQuiet(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
