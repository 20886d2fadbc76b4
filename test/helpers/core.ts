// An in-process daemon core (store, admission, Lima simulator driver, actor tree) for actor-level
// tests, with fast timings, a temp RDD_HOME, and a teardown that leaves no process behind.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { findCondition, type Condition, type LimaVM, type Resource, type ResourceInput } from '../../src/api/index.js';
import { silentLogger } from '../../src/log.js';
import { defaultDaemonConfig, type DaemonConfig } from '../../src/service/config.js';
import { startCore, type Core } from '../../src/service/daemon.js';
import { resolveInstance, resolvePaths, type Paths } from '../../src/service/instance.js';
import { readSimCalls, writeSimFaults, type SimFaultsFile, type SimLogLine } from '../../src/lima/sim/paths.js';
import type { Store } from '../../src/store/types.js';
import { SIM_MAIN, processesUnder, reapUnder } from '../lima/helpers/sim.js';

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
  /** Re-opens the core on the same home (a daemon restart); the old one must be closed or killed. */
  restart(o?: { config?: Partial<DaemonConfig> }): Promise<Core>;
  faults(f: SimFaultsFile): void;
  calls(): SimLogLine[];
  /** Waits until `pred` holds, re-checking on every store change and every 100 ms. */
  until<T>(what: string, pred: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  vm(name: string, ns?: string): LimaVM | undefined;
  cond(kind: string, name: string, type: string, ns?: string): Condition | undefined;
  create(obj: ResourceInput): Promise<Resource>;
}

export interface TestCoreOptions {
  readonly config?: Partial<DaemonConfig>;
  readonly wrapStore?: (s: Store) => Store;
  readonly instance?: string;
  readonly faults?: SimFaultsFile;
  /** Share a home with another TestCore (two daemons side by side need different instances). */
  readonly home?: string;
}

export async function startTestCore(t: ExecutionContext, o: TestCoreOptions = {}): Promise<TestCore> {
  const home = o.home ?? mkdtempSync(join(tmpdir(), 'rddt-'));
  const instance = resolveInstance(o.instance ?? '2', {});
  const paths = resolvePaths(instance, { RDD_HOME: home });
  mkdirSync(paths.limaHome, { recursive: true });
  if (o.faults) writeSimFaults(paths.limaHome, o.faults);
  let config: DaemonConfig = { ...fastConfig, ...o.config };
  const open = () => startCore({ instance, paths, config, log: silentLogger(), ...(o.wrapStore ? { wrapStore: o.wrapStore } : {}) });
  let core = await open();
  t.teardown(async () => {
    await core.stopVMs(2_000).catch(() => undefined);
    await core.close().catch(() => undefined);
    await reapUnder(home);
    if (!o.home) rmSync(home, { recursive: true, force: true });
  });
  const tc: TestCore = {
    get core() {
      return core;
    },
    paths,
    home,
    limaHome: paths.limaHome,
    async restart(r = {}) {
      config = { ...config, ...r.config };
      core = await open();
      return core;
    },
    faults: (f) => writeSimFaults(paths.limaHome, f),
    calls: () => readSimCalls(paths.limaHome),
    until<T>(what: string, pred: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
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
    },
    vm: (name, ns = 'default') => core.store.get('LimaVM', ns, name) as LimaVM | undefined,
    cond: (kind, name, type, ns = 'default') =>
      findCondition((core.store.get(kind, kind === 'App' ? '' : ns, name)?.status as { conditions?: Condition[] } | undefined)?.conditions, type),
    create: (obj) => core.api.create(obj),
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
