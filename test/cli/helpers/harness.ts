// End-to-end harness: real `rdd` processes (node dist/rdd.cjs) against a real daemon in a
// fresh RDD_HOME, driving the bundled Lima simulator with short timings. Every test stops its
// daemons and checks that no process of its home is left; teardown kills whatever still is.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { execa, type ResultPromise } from 'execa';
import { isApiError, resolveKind, type Resource } from '../../../src/api/index.js';
import { bundledSimulatorPath } from '../../../src/lima/driver/resolve.js';
import { packageRoot } from '../../../src/package-root.js';
import { readSimCalls, writeSimFaults, type SimFaultsFile, type SimLogLine } from '../../../src/sim/paths.js';
import { resolveInstance, resolvePaths, type Paths } from '../../../src/service/instance.js';
import { connect, type Client } from '../../../src/transport/index.js';

// The package bin: the bundled CLI (scripts/bundle.mjs), so the tests run what users run.
export const CLI = join(packageRoot(), 'dist', 'rdd.cjs');

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly instance?: string;
  readonly input?: string;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /** Leave out `--instance` (to test RDD_INSTANCE); the instance is still prepared. */
  readonly noInstanceFlag?: boolean;
}

/** Short timings for the daemon: the simulator at 1/100 speed, short grace periods and backoffs. */
export const FAST_CONFIG = {
  limactlEnv: { LIMA_SIM_TIME_SCALE: '0.01' },
  stopGraceMs: 15_000,
  deleteGraceMs: 15_000,
  shutdownGraceMs: 20_000,
  backoff: { minMs: 100, maxMs: 1_000, jitter: 0.1 },
  childTeardownMs: 30_000,
  adoptTimeoutMs: 10_000,
};

function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** Live processes whose command line or environment mentions `home` (zombies have neither). */
export function processesOf(home: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const cmd = readProc(d, 'cmdline');
    if (cmd === '') continue;
    if (cmd.includes(home) || readProc(d, 'environ').includes(`RDD_HOME=${home}`)) out.push(Number(d));
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value other than undefined, or fails at the deadline. */
export async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export class RddHome {
  readonly home: string;
  private readonly used = new Set<string>();

  constructor(config: Record<string, unknown> = {}) {
    this.home = mkdtempSync(join(tmpdir(), 'rdc-'));
    this.config = { ...FAST_CONFIG, ...config };
  }

  readonly config: Record<string, unknown>;

  env(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('RDD_') && k !== 'LIMA_HOME') env[k] = v;
    return { ...env, RDD_HOME: this.home, RDD_LIMACTL: bundledSimulatorPath(), ...extra };
  }

  paths(instance = '2'): Paths {
    return resolvePaths(resolveInstance(instance), { RDD_HOME: this.home });
  }

  /** Writes config.json for an instance (before its daemon starts). */
  prepare(instance = '2', config: Record<string, unknown> = {}): void {
    const p = this.paths(instance);
    mkdirSync(p.dir, { recursive: true });
    writeFileSync(p.configFile, JSON.stringify({ ...this.config, ...config }, null, 2));
  }

  private args(args: readonly string[], o: RunOptions): string[] {
    const instance = o.instance ?? '2';
    if (!this.used.has(instance) && /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(instance)) {
      this.used.add(instance);
      try {
        readFileSync(this.paths(instance).configFile);
      } catch {
        this.prepare(instance);
      }
    }
    return o.noInstanceFlag ? [CLI, ...args] : [CLI, '--instance', instance, ...args];
  }

  async run(args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
    const t0 = Date.now();
    const r = await execa(process.execPath, this.args(args, o), {
      env: this.env(o.env),
      extendEnv: false,
      reject: false,
      stripFinalNewline: false,
      timeout: o.timeoutMs ?? 110_000,
      cwd: this.home,
      ...(o.input !== undefined ? { input: o.input } : { stdin: 'ignore' }),
    });
    if (process.env.RDD_TEST_TIMING) process.stderr.write(`rdd ${args.join(' ')}: ${Date.now() - t0} ms\n`);
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  /** Runs without waiting (the caller awaits or kills the returned process). */
  spawn(args: readonly string[], o: RunOptions = {}): ResultPromise {
    return execa(process.execPath, this.args(args, o), { env: this.env(o.env), extendEnv: false, reject: false, cwd: this.home, stdin: 'ignore' });
  }

  /** `rdd … -o json` parsed; fails the test with the CLI's stderr when it does not exit 0. */
  async json<T = Resource>(args: readonly string[], o: RunOptions = {}): Promise<T> {
    const r = await this.run([...args, '-o', 'json'], o);
    if (r.exitCode !== 0) throw new Error(`rdd ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /**
   * The object, or undefined when it does not exist. Read through the gateway client that `rdd`
   * itself uses, in this process: inspecting state is not what these tests check, and a `rdd ctl
   * get` process per look cost about 0.1 s of CPU each (docs/testing.md).
   */
  async get<T = Resource>(kind: string, name: string, o: { instance?: string; namespace?: string } = {}): Promise<T | undefined> {
    const c = await this.client(o.instance ?? '2');
    try {
      return (await c.get<Resource>(resolveKind(kind)?.kind ?? kind, name, o.namespace !== undefined ? { namespace: o.namespace } : {})) as T;
    } catch (e) {
      if (isApiError(e) && e.code === 404) return undefined;
      throw e;
    }
  }

  private readonly clients = new Map<string, Promise<Client>>();

  /** One client per instance, kept for the test; it redials a restarted daemon by itself. */
  private client(instance: string): Promise<Client> {
    let c = this.clients.get(instance);
    if (c === undefined) {
      c = connect({ endpointFile: this.paths(instance).endpointFile, requestTimeoutMs: 20_000 });
      // A failed dial is not kept: the next look dials again.
      c.catch(() => this.clients.delete(instance));
      this.clients.set(instance, c);
    }
    return c;
  }

  private closeClients(): void {
    for (const c of this.clients.values()) void c.then((x) => x.close(), () => undefined);
    this.clients.clear();
  }

  calls(instance = '2'): SimLogLine[] {
    return readSimCalls(this.paths(instance).limaHome);
  }

  daemonPid(instance = '2'): number | undefined {
    try {
      const n = Number(readFileSync(this.paths(instance).pidFile, 'utf8').trim());
      return n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  processes(): number[] {
    return processesOf(this.home);
  }

  /** Replaces the simulator's fault file of an instance. */
  faults(f: SimFaultsFile, instance = '2'): void {
    writeSimFaults(this.paths(instance).limaHome, f);
  }

  /** Pids of hostagents the simulator started. */
  hostagents(instance = '2'): number[] {
    return this.calls(instance).flatMap((l) => (l.kind === 'hostagent' && l.event === 'started' ? [l.pid] : []));
  }

  /** Stops every daemon this home used and asserts that no process of the home is left. */
  async shutdown(t: ExecutionContext): Promise<void> {
    this.closeClients();
    for (const instance of this.used) {
      const r = await this.run(['service', 'stop', '--timeout', '90s'], { instance });
      t.is(r.exitCode, 0, `service stop (${instance}): ${r.stderr}`);
    }
    const left = await until('processes to exit', () => (this.processes().length === 0 ? [] : undefined), 15_000).catch(() => this.processes());
    t.deepEqual(left, [], 'no process of this RDD_HOME is left');
  }

  /** Teardown: kill anything left (process groups too), then remove the home. */
  async reap(): Promise<void> {
    this.closeClients();
    for (let i = 0; i < 50; i++) {
      const pids = this.processes();
      if (pids.length === 0) break;
      for (const pid of pids) {
        for (const target of [-pid, pid]) {
          try {
            process.kill(target, 'SIGKILL');
          } catch {
            // gone, or not a group leader
          }
        }
      }
      await sleep(100);
    }
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** A fresh home whose processes are reaped when the test ends. */
export function rddHome(t: ExecutionContext, config: Record<string, unknown> = {}): RddHome {
  const h = new RddHome(config);
  t.teardown(() => h.reap());
  return h;
}

/** A template the simulator creates offline (its image is a local file). */
export function offlineTemplate(extra = ''): string {
  return `images:\n- location: /etc/profile\ncpus: 1\nmemory: 1GiB\ndisk: 2GiB\n${extra}`;
}

export const conditionOf = (o: Resource | undefined, type: string) =>
  (o?.status as { conditions?: Array<{ type: string; status: string; reason: string; message: string; observedGeneration?: number }> } | undefined)?.conditions?.find(
    (c) => c.type === type,
  );
