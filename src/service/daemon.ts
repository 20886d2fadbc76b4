// The daemon: builds the store, admission, Lima driver, actor tree and gateway for one instance,
// and shuts them down in order: stop accepting writes, stop every hostagent in parallel within the
// grace period, stop the actors leaf-first, close the gateway, close the store last.
import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { CORE_API_VERSION, DEFAULT_APP_NAMESPACE, NAMESPACE_KIND, isAlreadyExists } from '../api/index.js';
import { createApi } from '../admission/index.js';
import type { Api, TemplateValidator } from '../admission/types.js';
import {
  admissionHooks,
  choosePort,
  defaultAppConfig,
  sshPortFor,
  startActors,
  type ActorRegistry,
  type AppMsg,
  type VmConfig,
  type VmMsg,
} from '../actors/index.js';
import { createLimaDriver, resolveLimactl } from '../lima/index.js';
import type { LimaDriver } from '../lima/types.js';
import type { Logger } from '../log.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { createKernel } from '../supervisor/index.js';
import type { Clock, Kernel } from '../supervisor/types.js';
import { PROTOCOL_VERSION, fileLogSource, startGateway, type Gateway } from '../transport/index.js';
import type { KubeApi } from '../kubeapi/index.js';
import { startInstanceKubeApi } from '../kubeapi/instance.js';
import { generateToken } from '../transport/server/auth.js';
import { defaultAssetsDir } from '../dashboard/server/static.js';
import type { DaemonConfig } from './config.js';
import { withPreferredPort, writeLastPort } from './last-port.js';
import { liveHostInfo } from './host.js';
import { checkSocketPaths, portClaimsFor, type Instance, type Paths } from './instance.js';
import { VERSION } from './version.js';

export interface Core {
  readonly store: Store;
  readonly api: Api;
  /** The same admission for gateway clients: requests carry `origin: 'client'`, so hooks can refuse what only actors may do. */
  readonly clientApi: Api;
  readonly kernel: Kernel;
  readonly driver: LimaDriver;
  readonly vms: ActorRegistry<VmMsg>;
  readonly apps: ActorRegistry<AppMsg>;
  readonly limaVersion: string | undefined;
  /** Interrupts every hostagent at once, each bounded by `graceMs`, then forced. */
  stopVMs(graceMs: number): Promise<{ vms: number; forced: number; failed: number }>;
  /** Stops the actors (leaf-first) and closes the store. Hostagents are left running. */
  close(): Promise<void>;
}

export interface CoreOptions {
  readonly instance: Instance;
  readonly paths: Paths;
  readonly config: DaemonConfig;
  readonly log: Logger;
  /** Crash points for tests (RDD_FAULT_POINT). */
  readonly faultPoint?: (name: string) => void;
  /** A store to use instead of opening paths.store (tests inject faults through it). */
  readonly wrapStore?: (s: Store) => Store;
  readonly random?: () => number;
  /** A Lima driver to use instead of limactl (tests: the in-memory model). */
  readonly driver?: LimaDriver;
  /** The kernel's clock (tests: a manual clock shared with an in-memory driver). */
  readonly clock?: Clock;
}

/** The store, admission, Lima driver and actor tree of one instance: the daemon without the gateway. */
export async function startCore(o: CoreOptions): Promise<Core> {
  const { paths, config, log, instance } = o;
  checkSocketPaths(paths);
  // Only this daemon uses its scratch dir (the pid file keeps a second one out), so whatever is
  // there was left by a daemon killed mid-validate.
  rmSync(paths.tmpDir, { recursive: true, force: true });
  for (const d of [paths.dir, paths.logDir, paths.shortDir, paths.limaHome, paths.tmpDir]) mkdirSync(d, { recursive: true, mode: 0o700 });

  const driver = o.driver ?? createLimaDriver({
    limaHome: paths.limaHome,
    binary: resolveLimactl({ env: process.env, ...(config.limactl ? { configured: config.limactl } : {}) }),
    log: log.child({ component: 'lima' }),
    env: { ...config.limactlEnv },
    scratchDir: paths.tmpDir,
  });
  const binary = driver.binary;
  const limaVersion = await driver.version().catch((e: unknown) => {
    log.warn({ err: e instanceof Error ? e.message : String(e) }, 'limactl --version failed');
    return undefined;
  });
  log.info({ lima: binary.kind, path: binary.path, version: limaVersion }, binary.kind === 'simulator'
    ? 'Lima is not installed: using the bundled Lima simulator'
    : 'using limactl');

  const opened = openStore({ path: paths.store, log: log.child({ component: 'store' }), compaction: { keep: config.compactKeep, intervalMs: 60_000 } });
  const store = o.wrapStore ? o.wrapStore(opened) : opened;
  const portClaims = portClaimsFor(paths, instance);
  const sshPort = await choosePort(sshPortFor(instance.index), { claims: portClaims, purpose: 'ssh' });
  log.info({ sshPort }, 'SSH port of the App VM');
  const appInstance = { instanceName: instance.name, index: instance.index, dockerSocket: paths.dockerSocket, sshPort, portClaims };
  const templateValidator: TemplateValidator = { validate: (n, t, signal) => driver.validate(n, t, signal ? { signal } : {}) };
  const hooks = admissionHooks({
    templateValidator,
    instance: appInstance,
    host: liveHostInfo,
    ...(config.vmCpus !== undefined ? { defaultCpus: config.vmCpus } : {}),
  });
  const api = createApi({ store, hooks, log: log.child({ component: 'admission' }) });
  const clientApi = createApi({ store, hooks, log: log.child({ component: 'admission' }), origin: 'client' });
  try {
    api.sync.create({ apiVersion: CORE_API_VERSION, kind: NAMESPACE_KIND, metadata: { name: DEFAULT_APP_NAMESPACE } });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }

  // The SSH port is claimed once per instance and reused, so the App's template stays stable and
  // no other instance (whatever its name or index) gets the same port.

  const kernel = createKernel({ log: log.child({ component: 'kernel' }), ...(o.clock ? { clock: o.clock } : {}) });
  const random = o.random ?? Math.random;
  const vmConfig: VmConfig = {
    stopGraceMs: config.stopGraceMs,
    deleteGraceMs: config.deleteGraceMs,
    crashLoop: config.crashLoop,
    adoptTimeoutMs: config.adoptTimeoutMs,
    brokenDebounceMs: config.brokenDebounceMs,
    startTimeoutMs: config.startTimeoutMs,
    backoff: config.backoff,
    ...(config.watcherPollMs !== undefined ? { watcherPollMs: config.watcherPollMs } : {}),
  };
  const actors = startActors(kernel, {
    store, api, driver, random,
    instance: appInstance,
    vmConfig,
    appConfig: { ...defaultAppConfig, childTeardownMs: config.childTeardownMs, backoff: config.backoff },
    ...(o.faultPoint ? { faultPoint: o.faultPoint } : {}),
  });
  const { vms, apps, stopVMs } = actors;

  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    closed ??= (async () => {
      actors.stop();
      await kernel.shutdown({ timeoutMs: 10_000 });
      store.close();
    })();
    return closed;
  }

  return { store, api, clientApi, kernel, driver, vms, apps, limaVersion, stopVMs, close };
}

export interface Daemon extends Core {
  readonly gateway: Gateway;
  /** The Kubernetes-compatible HTTPS API (docs/kube-api.md). */
  readonly kubeApi: KubeApi;
  /** Resolves once the daemon has shut down. */
  readonly done: Promise<void>;
  shutdown(reason: string): Promise<void>;
  /** A second request while shutting down: stop every hostagent forcibly now. */
  forceShutdown(reason: string): Promise<void>;
}

export async function startDaemon(o: CoreOptions): Promise<Daemon> {
  const { paths, config, log, instance } = o;
  const core = await startCore(o);
  const binary = core.driver.binary;
  // One instance token for both front doors. The Kubernetes API starts first so that its
  // kubeconfig is current by the time the gateway's endpoint file says the daemon is ready.
  const token = generateToken();
  const kubeApi = await startInstanceKubeApi({
    api: core.clientApi,
    store: core.store,
    log,
    paths,
    instance: instance.name,
    token,
    ...(config.kubeApiPort !== undefined ? { port: config.kubeApiPort } : {}),
  });
  const lastPortFile = join(paths.dir, 'gateway.port');
  const gateway = await withPreferredPort(config.port, lastPortFile, log, (port) => startGateway({
    token,
    api: core.clientApi,
    store: core.store,
    log: log.child({ component: 'gateway' }),
    port,
    socketPath: paths.gatewaySocket,
    endpointFile: paths.endpointFile,
    info: {
      version: VERSION,
      protocol: PROTOCOL_VERSION,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      instance: instance.name,
      lima: { kind: binary.kind, path: binary.path, ...(core.limaVersion ? { version: core.limaVersion } : {}) },
    },
    logs: fileLogSource(paths.limaHome),
    ...(config.heartbeatMs !== undefined ? { limits: { heartbeatMs: config.heartbeatMs } } : {}),
    dashboard: { assetsDir: defaultAssetsDir(), keyFile: join(paths.dir, 'dashboard.key') },
  })).catch(async (e: unknown) => {
    await kubeApi.close();
    throw e;
  });
  writeLastPort(lastPortFile, Number(new URL(gateway.url).port));
  log.info({ url: gateway.url, socket: gateway.socketPath, kubeApi: kubeApi.url, instance: instance.name }, 'daemon ready');

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let shuttingDown: Promise<void> | undefined;

  function shutdown(reason: string): Promise<void> {
    shuttingDown ??= (async () => {
      const t0 = Date.now();
      log.info({ reason, vms: core.vms.uids().length }, 'shutting down');
      // Stop accepting client writes first; in-flight requests finish.
      await Promise.all([
        gateway.close().catch((e: unknown) => log.warn({ err: String(e) }, 'gateway close failed')),
        kubeApi.close().catch((e: unknown) => log.warn({ err: String(e) }, 'Kubernetes API close failed')),
      ]);
      // Every hostagent is interrupted at once with the same grace: N VMs take about the time of one.
      const r = await core.stopVMs(config.shutdownGraceMs);
      log.info({ ...r, ms: Date.now() - t0 }, 'VMs stopped');
      await core.close();
      log.info({ ms: Date.now() - t0 }, 'shutdown complete');
      resolveDone();
    })();
    return shuttingDown;
  }

  async function forceShutdown(reason: string): Promise<void> {
    log.warn({ reason }, 'forced shutdown: stopping every hostagent without waiting');
    void shutdown(reason);
    await core.stopVMs(0);
    return shuttingDown;
  }

  return { ...core, gateway, kubeApi, done, shutdown, forceShutdown };
}
