// Instance selection and every path derived from it (docs/instances.md). RDD_HOME roots all state;
// RDD_INSTANCE or --instance selects fully separate state; the index derives host ports.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import envPaths from 'env-paths';
import { ApiError } from '../api/index.js';

export const DEFAULT_INSTANCE = '2';
/** Unix socket paths longer than this fail on macOS (104 bytes including the NUL). */
export const SOCKET_PATH_MAX = 103;
/** Lima puts `ssh.sock.<16 digits>` in the instance dir; the VM name `rd` is the App's. */
const LONGEST_LIMA_SOCKET = join('rd', 'ssh.sock.1234567890123456');

export interface Instance {
  /** The suffix the user chose (`2`, `bats`, `dev`). */
  readonly name: string;
  /** 1-99 for a decimal suffix, else 100 + (sum of code points mod 100). */
  readonly index: number;
  /** `rancher-desktop-<suffix>`: the docker/kube context name. */
  readonly displayName: string;
}

export interface Paths {
  /** The root of all state for every instance (RDD_HOME). */
  readonly home: string;
  /** Service dir: store, pid file, endpoint file, logs, config. */
  readonly dir: string;
  readonly store: string;
  readonly pidFile: string;
  readonly endpointFile: string;
  readonly configFile: string;
  readonly logDir: string;
  readonly daemonLog: string;
  /** Short dir: LIMA_HOME and sockets, short enough for the Unix socket limit. */
  readonly shortDir: string;
  readonly limaHome: string;
  readonly gatewaySocket: string;
  readonly dockerSocket: string;
  readonly k3sConfig: string;
  /** Host port claims, shared by every instance under `home` (see src/actors/app/port.ts). */
  readonly portsDir: string;
  /** The daemon's scratch files (validate's templates); emptied at every daemon start. */
  readonly tmpDir: string;
  /** Kubeconfig for the daemon's Kubernetes API (0600; rewritten at every start). */
  readonly kubeconfig: string;
  /** The Kubernetes API's CA and serving certificate (keys 0600). */
  readonly kubeTlsDir: string;
}

const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

export function instanceIndex(name: string): number {
  if (/^[0-9]+$/.test(name)) {
    const n = Number(name);
    if (n >= 1 && n <= 99) return n;
  }
  let sum = 0;
  for (const ch of name) sum += ch.codePointAt(0) ?? 0;
  return 100 + (sum % 100);
}

/** Resolves the instance: the flag wins over RDD_INSTANCE; default "2". */
export function resolveInstance(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Instance {
  const name = flag ?? env.RDD_INSTANCE ?? DEFAULT_INSTANCE;
  if (!INSTANCE_NAME.test(name)) {
    throw new ApiError(
      400,
      'BadRequest',
      `invalid instance name "${name}": use 1-32 letters, digits, "-" or "_", starting with a letter or digit`,
    );
  }
  return { name, index: instanceIndex(name), displayName: `rancher-desktop-${name}` };
}

/**
 * Every path of an instance. With RDD_HOME set, everything lives under it (tests rely on this);
 * otherwise the service dir is the platform data dir and the short dir is `~/.rd<suffix>`.
 */
export function resolvePaths(inst: Instance, env: NodeJS.ProcessEnv = process.env): Paths {
  const rddHome = env.RDD_HOME;
  const home = rddHome ?? envPaths('rdd', { suffix: '' }).data;
  const dir = join(home, 'instances', inst.name);
  const shortDir = rddHome ? join(rddHome, `.rd${inst.name}`) : join(homedir(), `.rd${inst.name}`);
  const logDir = env.RDD_LOG_DIR ?? join(dir, 'logs');
  return {
    home,
    dir,
    store: join(dir, 'state.db'),
    pidFile: join(dir, 'rdd.pid'),
    endpointFile: join(dir, 'endpoint.json'),
    configFile: join(dir, 'config.json'),
    logDir,
    daemonLog: join(logDir, 'daemon.log'),
    shortDir,
    limaHome: join(shortDir, 'lima'),
    gatewaySocket: join(shortDir, 'rdd.sock'),
    dockerSocket: join(shortDir, 'docker.sock'),
    k3sConfig: join(dir, 'k3s.yaml'),
    portsDir: join(home, 'ports'),
    tmpDir: join(dir, 'tmp'),
    kubeconfig: join(dir, 'kubeconfig.yaml'),
    kubeTlsDir: join(dir, 'kube-tls'),
  };
}

/** Fails with an actionable message when a socket path would exceed the platform limit. */
export function checkSocketPaths(paths: Paths): void {
  const candidates = [paths.gatewaySocket, paths.dockerSocket, join(paths.limaHome, LONGEST_LIMA_SOCKET)];
  for (const p of candidates) {
    if (Buffer.byteLength(p) > SOCKET_PATH_MAX) {
      throw new ApiError(
        400,
        'BadRequest',
        `socket path "${p}" is ${Buffer.byteLength(p)} bytes, over the ${SOCKET_PATH_MAX}-byte Unix socket limit; ` +
          `set RDD_HOME to a shorter directory (the short dir is "${paths.shortDir}")`,
      );
    }
  }
}

/** Paths as `KEY -> value` for `rdd service paths`, in a stable order. */
export function pathEntries(paths: Paths): Array<[string, string]> {
  return [
    ['home', paths.home],
    ['dir', paths.dir],
    ['store', paths.store],
    ['pid_file', paths.pidFile],
    ['endpoint_file', paths.endpointFile],
    ['config_file', paths.configFile],
    ['log_dir', paths.logDir],
    ['daemon_log', paths.daemonLog],
    ['short_dir', paths.shortDir],
    ['lima_home', paths.limaHome],
    ['gateway_socket', paths.gatewaySocket],
    ['docker_socket', paths.dockerSocket],
    ['k3s_config', paths.k3sConfig],
    ['ports_dir', paths.portsDir],
    ['tmp_dir', paths.tmpDir],
    ['kubeconfig', paths.kubeconfig],
    ['kube_tls_dir', paths.kubeTlsDir],
  ];
}

/**
 * Where this instance claims host ports (the PortClaims of actors/app/port.ts, which checks the shape
 * where it is used: this module is read by the CLI too, so it imports nothing above src/api). An
 * instance exists while its store does: `rdd service delete` and `reset` remove the store, which
 * frees its ports for other instances.
 */
export function portClaimsFor(paths: Paths, inst: Instance) {
  return {
    dir: paths.portsDir,
    instance: inst.name,
    exists: (name: string) => existsSync(join(paths.home, 'instances', name, 'state.db')),
  };
}
