// Daemon settings: defaults, then `config.json` in the service dir, then environment variables.
// Tests shrink the timings through the file; users rarely need any of it.
import { readFileSync } from 'node:fs';
import { ApiError } from '../api/index.js';

export interface DaemonConfig {
  /** limactl to run: a path, or unset for `RDD_LIMACTL`, then `limactl` on PATH, then the simulator. */
  readonly limactl?: string;
  /** Extra environment for limactl (e.g. LIMA_SIM_TIME_SCALE for the simulator). */
  readonly limactlEnv: Readonly<Record<string, string>>;
  /** Gateway TCP port on 127.0.0.1; 0 lets the OS pick. */
  readonly port: number;
  /** Graceful stop bound for a VM when spec.running becomes false, and on restarts. */
  readonly stopGraceMs: number;
  /** Graceful stop bound for deletion when the request gives no grace period. */
  readonly deleteGraceMs: number;
  /** Daemon shutdown: how long every hostagent gets (in parallel) before it is forced. */
  readonly shutdownGraceMs: number;
  readonly startTimeoutMs: number;
  readonly crashLoop: { readonly max: number; readonly windowMs: number };
  /** Requeue backoff after expected failures. */
  readonly backoff: { readonly minMs: number; readonly maxMs: number; readonly jitter: number };
  readonly childTeardownMs: number;
  readonly adoptTimeoutMs: number;
  /** Broken (one Lima process alive, the other not) must persist this long before it is acted on. */
  readonly brokenDebounceMs: number;
  /** RDD_VM_CPUS: the default CPU count of a new App. */
  readonly vmCpus?: string;
  /** Compaction keeps at least this many revisions. */
  readonly compactKeep: number;
  readonly watcherPollMs?: number;
  readonly heartbeatMs?: number;
  /** Kubernetes API HTTPS port on 127.0.0.1; unset or 0 lets the OS pick. */
  readonly kubeApiPort?: number;
}

export const defaultDaemonConfig: DaemonConfig = {
  limactlEnv: {},
  port: 0,
  stopGraceMs: 30_000,
  deleteGraceMs: 30_000,
  shutdownGraceMs: 30_000,
  startTimeoutMs: 15 * 60_000,
  crashLoop: { max: 5, windowMs: 10 * 60_000 },
  backoff: { minMs: 1_000, maxMs: 5 * 60_000, jitter: 0.2 },
  childTeardownMs: 5 * 60_000,
  adoptTimeoutMs: 60_000,
  brokenDebounceMs: 3_000,
  compactKeep: 1000,
};

function envNumber(env: NodeJS.ProcessEnv, key: string, scale = 1): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    throw new ApiError(400, 'BadRequest', `invalid ${key} value "${v}": want a non-negative number`);
  }
  return n * scale;
}

export function loadDaemonConfig(file: string, env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  let fromFile: Partial<DaemonConfig> = {};
  try {
    fromFile = JSON.parse(readFileSync(file, 'utf8')) as Partial<DaemonConfig>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      throw new ApiError(400, 'BadRequest', `cannot read the daemon config ${file}: ${(e as Error).message}`);
    }
  }
  const merged: DaemonConfig = { ...defaultDaemonConfig, ...fromFile };
  const shutdown = envNumber(env, 'RDD_SHUTDOWN_GRACE', 1000);
  const port = envNumber(env, 'RDD_GATEWAY_PORT');
  return {
    ...merged,
    ...(env.RDD_LIMACTL ? { limactl: env.RDD_LIMACTL } : {}),
    ...(env.RDD_VM_CPUS !== undefined ? { vmCpus: env.RDD_VM_CPUS } : {}),
    ...(shutdown !== undefined ? { shutdownGraceMs: shutdown } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}
