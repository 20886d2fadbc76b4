// Pid liveness the way Lima checks it (kill(pid, 0); EPERM counts as alive), plus a zombie check:
// an orphaned hostagent whose reaper never waits for it would otherwise look alive forever.
import { readFileSync } from 'node:fs';

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3 follows the parenthesised command name, which may itself contain spaces or ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** True when a process with this pid exists (and is not a zombie). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** Parses a pid file's text (`PID\n`); undefined for anything but a positive integer. */
export function parsePid(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function send(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Sends `first` (default SIGINT, Lima's graceful stop) to every pid at once, waits up to `graceMs`
 * for them all to exit, then SIGKILLs what is left. Counts what exited by itself and what was killed.
 */
export async function signalThenKill(
  pids: readonly number[],
  o: { readonly graceMs: number; readonly first?: NodeJS.Signals; readonly pollMs?: number },
): Promise<{ stopped: number; killed: number }> {
  const pollMs = o.pollMs ?? 100;
  for (const p of pids) send(p, o.first ?? 'SIGINT');
  const deadline = Date.now() + o.graceMs;
  while (pids.some(isProcessAlive) && Date.now() < deadline) await new Promise<void>((r) => setTimeout(r, pollMs));
  const left = pids.filter(isProcessAlive);
  for (const p of left) send(p, 'SIGKILL');
  return { stopped: pids.length - left.length, killed: left.length };
}
