// A driver over the bundled simulator in a fresh LIMA_HOME, with a reaper: every hostagent and
// driver child a test caused is killed at teardown, and the suite can assert none is left.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/log.js';
import { createLimaDriver, isProcessAlive, parsePid, resolveLimactl, type DriverTimeouts, type LimaDriverHandle } from '../../../src/lima/index.js';
import { readSimCalls, readSimCallLines, writeSimFaults, type SimFaults, type SimCallLine } from '../../../src/sim/paths.js';

export interface SimEnv {
  readonly home: string;
  readonly driver: LimaDriverHandle;
  readonly faults: (f: { default?: SimFaults; instances?: Record<string, SimFaults> }) => void;
  readonly calls: (cmd?: string) => SimCallLine[];
  readonly hostagentPids: () => number[];
  readonly pidOf: (name: string, file: string) => number | undefined;
}

const homes: string[] = [];
/** Every hostagent/driver pid seen by a reaper in this worker. */
const seen = new Set<number>();

/** Short paths: ha.sock must fit UNIX_PATH_MAX. */
export function simEnv(t: { teardown: (fn: () => void) => void }, timeouts?: Partial<DriverTimeouts>): SimEnv {
  const home = mkdtempSync(join(tmpdir(), 'rdd-ls-'));
  homes.push(home);
  const driver = createLimaDriver({
    limaHome: home,
    binary: resolveLimactl({ env: { PATH: '' } }),
    log: silentLogger(),
    // Lima's built-in waits (5 s pid file, 3m10s exiting) scaled down; the sim keeps a 1 s floor.
    env: { LIMA_SIM_TIME_SCALE: '0.01', LIMA_SIM_FAULTS: '' },
    timeouts: { killGraceMs: 2000, ...timeouts },
  });
  const env: SimEnv = {
    home,
    driver,
    faults: (f) => writeSimFaults(home, f),
    calls: (cmd) => readSimCallLines(home, cmd),
    hostagentPids: () =>
      readSimCalls(home)
        .filter((l) => l.kind === 'hostagent' && l.event === 'started')
        .map((l) => l.pid),
    pidOf: (name, file) => {
      try {
        return parsePid(readFileSync(join(home, name, file), 'utf8'));
      } catch {
        return undefined;
      }
    },
  };
  t.teardown(() => reap(home));
  return env;
}

/** Pids of live processes whose command line or environment (LIMA_HOME, ...) mentions `needle`. */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  if (!existsSync('/proc')) return out; // the scan needs Linux; elsewhere the reaper relies on recorded pids
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${d}/environ`, 'utf8');
      if ((cmd.includes(needle) || env.includes(needle)) && isProcessAlive(Number(d))) out.push(Number(d));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

function kill(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // not a group leader, or already gone
    }
  }
}

/** Kills everything the simulator started under `home` (hostagents with their groups, driver children). */
export function reap(home: string): void {
  const pids = new Set<number>(processesMentioning(home));
  for (const l of readSimCalls(home)) if (l.kind === 'hostagent') pids.add(l.pid);
  let dirs: string[] = [];
  try {
    dirs = readdirSync(home);
  } catch {
    dirs = [];
  }
  for (const d of dirs) {
    for (const f of ['ha.pid', 'qemu.pid', 'vz.pid']) {
      try {
        const p = parsePid(readFileSync(join(home, d, f), 'utf8'));
        if (p !== undefined) pids.add(p);
      } catch {
        // no such pid file
      }
    }
  }
  for (const p of pids) {
    if (p === process.pid) continue;
    seen.add(p);
    kill(p);
  }
  rmSync(home, { recursive: true, force: true });
}

/** Waits (bounded) for every reaped pid to be gone; returns the survivors (empty = clean). */
export async function survivors(timeoutMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = [...seen].filter(isProcessAlive);
    for (const h of homes) left.push(...processesMentioning(h));
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function overlaps(a: SimCallLine, b: SimCallLine): boolean {
  return a.start < b.end && b.start < a.end;
}
