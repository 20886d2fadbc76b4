// Shared helpers for tests that run the Lima simulator (or a real limactl): a temp LIMA_HOME per
// test, running a command, parsing its stderr protocol, the calls log, bounded waits, and reaping
// every process a test started (hostagents are detached into their own process groups).
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../../src/package-root.js';
import {
  readSimCallLines,
  readSimCalls,
  writeSimFaults,
  type SimCallLine,
  type SimFaults,
  type SimFaultsFile,
  type SimLogLine,
} from '../../../src/sim/paths.js';

/** The simulator as rdd runs it: bundled, from its code cache (dist/src/sim/main.js is the same program unbundled). */
export const SIM_MAIN = join(packageRoot(), 'dist', 'limactl-sim.cjs');

/** Shrinks Lima's waits to their floor: 2 s (LIMA_SIM_MIN_WAIT_MS) instead of up to 10 min. */
export const TEST_TIME_SCALE = '0.01';

export interface Target {
  readonly kind: 'sim' | 'limactl';
  readonly command: string;
  readonly argsPrefix: readonly string[];
}

export const simTarget: Target = { kind: 'sim', command: process.execPath, argsPrefix: [SIM_MAIN] };

/** The real limactl named by RDD_TEST_LIMACTL, if any. */
export function realTarget(): Target | undefined {
  const p = process.env.RDD_TEST_LIMACTL;
  return p !== undefined && p !== '' ? { kind: 'limactl', command: p, argsPrefix: [] } : undefined;
}

export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

export interface RunResult {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** stderr parsed as JSON log lines (non-JSON lines are dropped). */
  logs: LogLine[];
  /** The fatal line's msg, if any. */
  fatal: string | undefined;
}

export function parseLogs(stderr: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // Not a log line.
    }
  }
  return out;
}

export interface RunOptions {
  readonly input?: string;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /** Extra global flags; default `--log-format=json --tty=false`. */
  readonly globals?: readonly string[];
  readonly cancelSignal?: AbortSignal;
}

let suiteRoot: string | undefined;

/** One temp directory per test file: every home lives under it, and the final check scans for it. */
export function suiteDir(): string {
  suiteRoot ??= mkdtempSync(join(tmpdir(), 'rsim-'));
  return suiteRoot;
}

let homeSeq = 0;

/** A LIMA_HOME for one test, with the target to run against. Short paths keep sockets < 108 bytes. */
export class LimaHome {
  readonly home: string;

  constructor(readonly target: Target = simTarget) {
    this.home = join(suiteDir(), `h${++homeSeq}`);
    mkdirSync(this.home, { recursive: true });
  }

  get isSim(): boolean {
    return this.target.kind === 'sim';
  }

  dir(name: string): string {
    return join(this.home, name);
  }

  file(name: string, file: string): string {
    return join(this.home, name, file);
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { LIMA_HOME: this.home, LIMA_SIM_TIME_SCALE: TEST_TIME_SCALE, LIMA_SIM_FAULTS: '', ...extra };
  }

  async run(args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
    const globals = o.globals ?? ['--log-format=json', '--tty=false'];
    const r = await execa(this.target.command, [...this.target.argsPrefix, ...globals, ...args], {
      env: this.env(o.env),
      input: o.input ?? '',
      reject: false,
      stripFinalNewline: false,
      timeout: o.timeoutMs ?? 60_000,
      ...(o.cancelSignal ? { cancelSignal: o.cancelSignal } : {}),
    });
    const stdout = typeof r.stdout === 'string' ? r.stdout : '';
    const stderr = typeof r.stderr === 'string' ? r.stderr : '';
    const logs = parseLogs(stderr);
    return {
      exitCode: r.exitCode,
      signal: r.signal,
      stdout,
      stderr,
      logs,
      fatal: logs.find((l) => l.level === 'fatal')?.msg,
    };
  }

  faults(f: SimFaultsFile): void {
    writeSimFaults(this.home, f);
  }

  /** Shorthand: the same knobs for every instance. */
  setFaults(f: SimFaults): void {
    writeSimFaults(this.home, { default: f });
  }

  calls(): SimLogLine[] {
    return readSimCalls(this.home);
  }

  callLines(cmd?: string): SimCallLine[] {
    return readSimCallLines(this.home, cmd);
  }

  /** `list --json NAME` as objects. */
  async list(...names: string[]): Promise<Record<string, unknown>[]> {
    const r = await this.run(['list', '--json', ...names]);
    return r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async status(name: string): Promise<unknown> {
    return (await this.list(name))[0]?.status;
  }

  /** Kills every process of this home (process groups of detached ones) and waits until gone. */
  async reap(): Promise<void> {
    await reapUnder(this.home);
  }
}

/** A template that creates offline (its image is a local file), as Lima's own tests do. */
export function offlineTemplate(extra = ''): string {
  return `images:\n- location: /etc/profile\ncpus: 1\nmemory: 1GiB\ndisk: 2GiB\n${extra}`;
}

export interface SimProcess {
  readonly pid: number;
  readonly pgid: number;
  readonly cmdline: string;
}

function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

function pgidOf(pid: string): number {
  const stat = readProc(pid, 'stat');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[2] ?? 0);
}

/** Live processes whose command line or LIMA_HOME mentions `path` (zombies have neither). */
export function processesUnder(path: string): SimProcess[] {
  const out: SimProcess[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const args = readProc(pid, 'cmdline').split('\0');
    const cmdline = args.join(' ');
    const environ = readProc(pid, 'environ').split('\0');
    // `path` itself or below it: /tmp/x/h1 must not match /tmp/x/h10.
    const under = (v: string) => v === path || v.includes(`${path}/`);
    if (args.some(under) || environ.some((e) => e.startsWith('LIMA_HOME=') && under(e.slice(10)))) {
      out.push({ pid: Number(pid), pgid: pgidOf(pid), cmdline: cmdline.trim() });
    }
  }
  return out;
}

/** SIGKILLs everything under `path`: whole groups for detached processes, single pids otherwise. */
export async function reapUnder(path: string): Promise<void> {
  const own = pgidOf(String(process.pid));
  for (let round = 0; round < 50; round++) {
    const procs = processesUnder(path);
    if (procs.length === 0) return;
    for (const p of procs) {
      try {
        if (p.pgid > 0 && p.pgid !== own) process.kill(-p.pgid, 'SIGKILL');
        else process.kill(p.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Removes the suite directory (after the final process check). */
export function removeSuiteDir(): void {
  if (suiteRoot !== undefined) rmSync(suiteRoot, { recursive: true, force: true });
}

/** Polls `cond` until it returns a truthy value (0 and '' are not), failing with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, cond: () => T | Promise<T>, timeoutMs = 20_000, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The live pid in a pid file, or 0. */
export function pidFrom(path: string): number {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    process.kill(pid, 0);
    const stat = readProc(String(pid), 'stat');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z' ? 0 : pid;
  } catch {
    return 0;
  }
}

/** Event lines of ha.stdout.log (non-JSON lines kept as strings). */
export function haEvents(home: LimaHome, name: string): (Record<string, unknown> | string)[] {
  let text = '';
  try {
    text = readFileSync(home.file(name, 'ha.stdout.log'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return l;
      }
    });
}
