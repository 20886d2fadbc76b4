// Chooses which limactl runs (the daemon config, then RDD_LIMACTL, then `limactl` on PATH, else
// the bundled simulator) and how to spawn it. The choice is always shown to the user.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { packageRoot } from '../../package-root.js';
import type { LimactlBinary } from '../types.js';

/** Where the choice came from, for `rdd service status` and condition messages. */
export type LimactlSource = 'config' | 'env' | 'path' | 'bundled';

/** A resolved limactl: what to show (`path`, `kind`, `source`) and what to spawn (`command`, `argsPrefix`). */
export interface ResolvedLimactl extends LimactlBinary {
  readonly source: LimactlSource;
  /** The executable actually spawned: `path`, or the running node for a `.js` script. */
  readonly command: string;
  /** Arguments before limactl's own (the script path when `command` is node). */
  readonly argsPrefix: string[];
}

/** Absolute path of the bundled simulator (dist/limactl-sim.cjs; dist/src/sim/main.js is the same program unbundled). */
export function bundledSimulatorPath(): string {
  return join(packageRoot(), 'dist', 'limactl-sim.cjs');
}

/** True when `path` names the simulator: the bundled script, its bin name, or a `*-sim` binary. */
export function looksLikeSimulator(path: string): boolean {
  const p = path.replace(/\\/g, '/');
  return (
    resolvePath(path) === bundledSimulatorPath() ||
    /\/src\/sim\/main\.js$/.test(p) ||
    /(^|\/)rdd-limactl-sim(\.js)?$/.test(p) ||
    /limactl-sim/.test(p.split('/').pop() ?? '')
  );
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `name` on the PATH of `env`, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

/** How to spawn `path`: node scripts run under the current node, anything else directly. */
export function toResolved(path: string, source: LimactlSource, kind?: LimactlBinary['kind']): ResolvedLimactl {
  const abs = isAbsolute(path) || !/[\\/]/.test(path) ? path : resolvePath(path);
  const script = /\.(c|m)?js$/.test(abs);
  return {
    path: abs,
    kind: kind ?? (looksLikeSimulator(abs) ? 'simulator' : 'limactl'),
    source,
    command: script ? process.execPath : abs,
    argsPrefix: script ? [abs] : [],
  };
}

/** Resolves the limactl to use. `configured` (daemon config) wins over `RDD_LIMACTL` and PATH. */
export function resolveLimactl(opts: { env?: NodeJS.ProcessEnv; configured?: string } = {}): ResolvedLimactl {
  const env = opts.env ?? process.env;
  if (opts.configured !== undefined && opts.configured !== '') return toResolved(opts.configured, 'config');
  const fromEnv = env.RDD_LIMACTL;
  if (fromEnv !== undefined && fromEnv !== '') return toResolved(fromEnv, 'env');
  const onPath = findOnPath('limactl', env);
  if (onPath !== undefined) return toResolved(onPath, 'path');
  return toResolved(bundledSimulatorPath(), 'bundled', 'simulator');
}

/** One line for the user: `limactl /usr/local/bin/limactl (from PATH)`. */
export function describeLimactl(b: LimactlBinary & { source?: LimactlSource }): string {
  const from: Record<LimactlSource, string> = {
    config: 'from the daemon config',
    env: 'from RDD_LIMACTL',
    path: 'from PATH',
    bundled: 'bundled; no limactl on PATH',
  };
  const what = b.kind === 'simulator' ? 'Lima simulator' : 'limactl';
  return b.source ? `${what} ${b.path} (${from[b.source]})` : `${what} ${b.path}`;
}

/** Re-labels a binary as the simulator when its `--version` says so (`...-sim`). */
export function withVersionKind(b: ResolvedLimactl, versionOutput: string): ResolvedLimactl {
  return /-sim\b/.test(versionOutput) && b.kind !== 'simulator' ? { ...b, kind: 'simulator' } : b;
}
