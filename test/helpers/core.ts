// An in-process daemon core (store, admission, Lima driver, actor tree) for actor-level tests, with
// fast timings, a temp RDD_HOME, and a teardown that leaves no process behind. Two Lima layers:
// - 'memory' (the default for actor tests): the in-memory Lima model and a manual clock shared with
//   the kernel. Time moves only when the test waits (until, quiet, drive) and the kernel has
//   nothing left to do, so a 30 s boot costs no real time and nothing happens "too early".
// - 'sim': the limactl driver over the simulator, real processes and real time; the thinner layer
//   that checks the same behaviour end to end.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { findCondition, type Condition, type LimaVM, type Resource, type ResourceInput } from '../../src/api/index.js';
import { silentLogger } from '../../src/log.js';
import { defaultDaemonConfig, type DaemonConfig } from '../../src/service/config.js';
import { startCore, type Core } from '../../src/service/daemon.js';
import { resolveInstance, resolvePaths, type Paths } from '../../src/service/instance.js';
import { createMemoryLimaDriver, type MemoryLimaDriver } from '../../src/lima/memory/index.js';
import { readSimCalls, writeSimFaults, type SimFaultsFile, type SimLogLine } from '../../src/sim/paths.js';
import type { InstanceInspection } from '../../src/lima/types.js';
import type { Store } from '../../src/store/types.js';
import { SIM_MAIN, pidFrom, processesUnder, reapUnder } from '../lima/helpers/sim.js';
import { drive, settled, testClock, type TestClock } from './clock.js';

export const fastConfig: DaemonConfig = {
  ...defaultDaemonConfig,
  limactl: SIM_MAIN,
  limactlEnv: { LIMA_SIM_TIME_SCALE: '0.01' },
  stopGraceMs: 3_000,
  deleteGraceMs: 3_000,
  shutdownGraceMs: 3_000,
  startTimeoutMs: 20_000,
  crashLoop: { max: 3, windowMs: 60_000 },
  backoff: { minMs: 100, maxMs: 1_000, jitter: 0 },
  childTeardownMs: 60_000,
  adoptTimeoutMs: 5_000,
  brokenDebounceMs: 300,
  watcherPollMs: 50,
};

export interface TestCore {
  readonly core: Core;
  readonly paths: Paths;
  readonly home: string;
  readonly limaHome: string;
  /** Which Lima layer this core runs on. */
  readonly lima: 'memory' | 'sim';
  /** Re-opens the core on the same home (a daemon restart); the old one must be closed or killed. */
  restart(o?: { config?: Partial<DaemonConfig> }): Promise<Core>;
  faults(f: SimFaultsFile): void;
  calls(): SimLogLine[];
  /** Waits until `pred` holds, re-checking on every store change (and, on the simulator, every 100 ms). */
  until<T>(what: string, pred: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** Awaits `p`; in memory, moving the clock whenever the kernel is idle (stopVMs, close, ...). */
  drive<T>(p: Promise<T>): Promise<T>;
  /** "Nothing happens": lets every timer due within `horizonMs` run, and the kernel settle. */
  quiet(horizonMs?: number): Promise<void>;
  vm(name: string, ns?: string): LimaVM | undefined;
  cond(kind: string, name: string, type: string, ns?: string): Condition | undefined;
  /** Waits until the condition has this status (and reason), and returns it. */
  untilCond(kind: string, name: string, type: string, status: string, reason?: string): Promise<Condition>;
  create(obj: ResourceInput): Promise<Resource>;
  /** Lima's state and rdd's files for an instance, through the driver. */
  inspect(name: string): InstanceInspection;
  /** The live hostagent pid (ha.pid), 0 when none. */
  hostagentPid(name: string): number;
  /** SIGKILLs the hostagent (its VM driver survives), as a crash would; returns the pid. */
  killHostagent(name: string): number;
  /** `limactl protect`: deletion of the instance fails until unprotected. */
  protect(name: string, on: boolean): void;
  /** The guest's serial console of the instance. */
  serialLog(name: string): string;
  /** ha.stdout.log of the current hostagent run. */
  eventLog(name: string): string;
  /** What still runs: simulator processes under the home, or in memory, instances with a live hostagent or VM. */
  leftovers(): string[];
  /** Removes the instance directory behind Lima's back (`rm -rf`). */
  removeInstanceDir(name: string): void;
  /** Creates an instance behind the daemon's back (not owned by any LimaVM). */
  foreignInstance(name: string, template?: string): Promise<void>;
}

export interface TestCoreOptions {
  readonly config?: Partial<DaemonConfig>;
  readonly wrapStore?: (s: Store) => Store;
  readonly instance?: string;
  readonly faults?: SimFaultsFile;
  /** Share a home with another TestCore (two daemons side by side need different instances). */
  readonly home?: string;
  /** The Lima layer (default 'sim'; actor tests pass 'memory' through startMemoryCore). */
  readonly lima?: 'memory' | 'sim';
}

/** An actor-test core on the in-memory Lima model and the manual clock. */
export function startMemoryCore(t: ExecutionContext, o: Omit<TestCoreOptions, 'lima'> = {}): Promise<TestCore> {
  return startTestCore(t, { ...o, lima: 'memory' });
}

export async function startTestCore(t: ExecutionContext, o: TestCoreOptions = {}): Promise<TestCore> {
  const home = o.home ?? mkdtempSync(join(tmpdir(), 'rddt-'));
  const instance = resolveInstance(o.instance ?? '2', {});
  const paths = resolvePaths(instance, { RDD_HOME: home });
  mkdirSync(paths.limaHome, { recursive: true });
  const lima = o.lima ?? 'sim';
  let mem: { driver: MemoryLimaDriver; clock: TestClock } | undefined;
  if (lima === 'memory') {
    const clock = testClock();
    mem = { clock, driver: createMemoryLimaDriver({ clock, limaHome: paths.limaHome, ...(o.faults ? { faults: o.faults } : {}) }) };
  } else if (o.faults) writeSimFaults(paths.limaHome, o.faults);
  let config: DaemonConfig = { ...fastConfig, ...o.config };
  const open = () =>
    startCore({
      instance, paths, config, log: silentLogger(),
      ...(o.wrapStore ? { wrapStore: o.wrapStore } : {}),
      ...(mem ? { driver: mem.driver, clock: mem.clock } : {}),
    });
  let core = await open();
  // In memory, the system is idle when no actor has mail or a running handler; operations waiting
  // for the clock (pipeToSelf of a driver call) are what the clock is moved for.
  const idle = (): boolean => {
    const a = core.kernel.activity();
    return a.queued === 0 && a.running === 0;
  };
  const driveP = <T>(p: Promise<T>, what?: string): Promise<T> =>
    mem ? drive(mem.clock, p, { idle, ...(what !== undefined ? { what } : {}) }) : p;
  t.teardown(async () => {
    await driveP(core.stopVMs(2_000)).catch(() => undefined);
    await driveP(core.close()).catch(() => undefined);
    await reapUnder(home);
    if (!o.home) rmSync(home, { recursive: true, force: true });
  });
  const simFile = (name: string, file: string): string => {
    const p = join(paths.limaHome, name, file);
    return existsSync(p) ? readFileSync(p, 'utf8') : '';
  };
  const untilSim = <T>(what: string, pred: () => T | undefined | false, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let done = false;
      const check = () => {
        if (done) return;
        let v: T | undefined | false;
        try {
          v = pred();
        } catch (e) {
          finish();
          reject(e as Error);
          return;
        }
        if (v !== undefined && v !== false) {
          finish();
          resolve(v);
        }
      };
      const timer = setInterval(check, 100);
      const deadline = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const unsub = core.store.subscribe(() => setImmediate(check));
      function finish() {
        done = true;
        clearInterval(timer);
        clearTimeout(deadline);
        unsub();
      }
      check();
    });
  const untilMemory = async <T>(clock: TestClock, what: string, pred: () => T | undefined | false): Promise<T> => {
    // Clock time, generous: a test names what it waits for, and "waits for nothing" fails at once.
    const limit = clock.now() + 3_600_000;
    for (;;) {
      // Checked on every store change while the system works, so a passing state is not missed.
      const hit = await new Promise<{ v: T } | undefined>((resolve, reject) => {
        let finished = false;
        const unsub = core.store.subscribe(() => setImmediate(check));
        function finish(): void {
          finished = true;
          unsub();
        }
        function check(): void {
          if (finished) return;
          try {
            const v = pred();
            if (v !== undefined && v !== false) {
              finish();
              resolve({ v });
            }
          } catch (e) {
            finish();
            reject(e as Error);
          }
        }
        check();
        void settled(idle).then(() => {
          check();
          if (finished) return;
          finish();
          resolve(undefined);
        }, reject);
      });
      if (hit) return hit.v;
      const due = clock.nextDue();
      if (due === undefined) throw new Error(`waiting for ${what}: nothing is left to happen (no timer armed, every actor idle)`);
      if (due > limit) throw new Error(`waiting for ${what}: not reached within an hour of clock time`);
      clock.advance(Math.max(0, due - clock.now()));
    }
  };
  const tc: TestCore = {
    get core() {
      return core;
    },
    paths,
    home,
    limaHome: paths.limaHome,
    lima,
    async restart(r = {}) {
      config = { ...config, ...r.config };
      core = await open();
      return core;
    },
    faults: (f) => (mem ? mem.driver.setFaults(f) : writeSimFaults(paths.limaHome, f)),
    calls: () => (mem ? mem.driver.calls() : readSimCalls(paths.limaHome)),
    until: <T>(what: string, pred: () => T | undefined | false, timeoutMs = 30_000): Promise<T> =>
      mem ? untilMemory(mem.clock, what, pred) : untilSim(what, pred, timeoutMs),
    drive: (p) => driveP(p),
    async quiet(horizonMs = 2_000) {
      if (!mem) return core.kernel.quiescent({ horizonMs, timeoutMs: 30_000 });
      const { clock } = mem;
      const end = clock.now() + horizonMs;
      await settled(idle);
      for (let due = clock.nextDue(); due !== undefined && due <= end; due = clock.nextDue()) {
        clock.advance(Math.max(0, due - clock.now()));
        await settled(idle);
      }
    },
    vm: (name, ns = 'default') => core.store.get('LimaVM', ns, name) as LimaVM | undefined,
    cond: (kind, name, type, ns = 'default') =>
      findCondition((core.store.get(kind, kind === 'App' ? '' : ns, name)?.status as { conditions?: Condition[] } | undefined)?.conditions, type),
    untilCond(kind, name, type, status, reason) {
      return this.until(`${kind} ${name} ${type}=${status}${reason ? ` (${reason})` : ''}`, () => {
        const c = this.cond(kind, name, type);
        return is(c, status, reason) ? c : undefined;
      });
    },
    create: (obj) => driveP(core.api.create(obj)),
    inspect: (name) => core.driver.inspect(name),
    hostagentPid: (name) => (mem ? (mem.driver.hostagentPid(name) ?? 0) : pidFrom(join(paths.limaHome, name, 'ha.pid'))),
    killHostagent(name) {
      if (mem) {
        const pid = mem.driver.killHostagent(name);
        if (pid === undefined) throw new Error(`${name} has no live hostagent to kill`);
        return pid;
      }
      const pid = pidFrom(join(paths.limaHome, name, 'ha.pid'));
      process.kill(pid, 'SIGKILL');
      return pid;
    },
    protect(name, on) {
      if (mem) mem.driver.protect(name, on);
      else if (on) writeFileSync(join(paths.limaHome, name, 'protected'), '');
      else rmSync(join(paths.limaHome, name, 'protected'), { force: true });
    },
    serialLog: (name) => (mem ? mem.driver.serialLog(name).join('\n') : simFile(name, 'serial.log')),
    eventLog: (name) => (mem ? mem.driver.eventLines(name).join('\n') : simFile(name, 'ha.stdout.log')),
    leftovers() {
      if (!mem) return processesUnder(home).map((p) => p.cmdline);
      const { driver } = mem;
      return [...new Set(driver.calls().flatMap((l) => (l.kind === 'call' && l.instance !== null ? [l.instance] : [])))]
        .filter((n) => !['Missing', 'Stopped'].includes(driver.inspect(n).status))
        .map((n) => `${n}: ${driver.inspect(n).status}`);
    },
    removeInstanceDir(name) {
      if (mem) mem.driver.vanish(name);
      else rmSync(join(paths.limaHome, name), { recursive: true, force: true });
    },
    async foreignInstance(name, template = OFFLINE_TEMPLATE) {
      await driveP(core.driver.create(name, template));
    },
  };
  return tc;
}

/** A template the simulator accepts and "boots" offline. */
export const OFFLINE_TEMPLATE = 'images:\n  - location: /etc/profile\n    arch: x86_64\n  - location: /etc/profile\n    arch: aarch64\n';

export function templateConfigMap(name: string, template = OFFLINE_TEMPLATE, ns = 'default'): ResourceInput {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { template } };
}

export function limaVM(name: string, o: { running?: boolean; template?: string; ns?: string; params?: Record<string, string>; annotations?: Record<string, string> } = {}): ResourceInput {
  return {
    apiVersion: 'lima.rancherdesktop.io/v1alpha1',
    kind: 'LimaVM',
    metadata: { name, namespace: o.ns ?? 'default', ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: { templateRef: { name: o.template ?? 'src' }, running: o.running ?? false, ...(o.params ? { params: o.params } : {}) },
  };
}

export function is(c: Condition | undefined, status: string, reason?: string): boolean {
  return c !== undefined && c.status === status && (reason === undefined || c.reason === reason);
}

/** Asserts no process started under `home` is alive. */
export function leftovers(home: string): string[] {
  return processesUnder(home).map((p) => p.cmdline);
}

export function writeConfig(paths: Paths, c: Partial<DaemonConfig>): void {
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(paths.configFile, JSON.stringify(c));
}
