// What the per-verb operations share: a way to run limactl, where instances live, and bounds.
import type { LimactlResult, RunRequest } from './run.js';

/** Bounds of each call (ms). Cancellation is the caller's; these only stop runaway calls. */
export interface DriverTimeouts {
  /** create may download an image. */
  readonly createMs: number;
  /** Default `--timeout` of start: 15 min (docs/lima.md#calls). */
  readonly startMs: number;
  /** Added to start's `--timeout` for the execa timeout (prepare, 5 s pid file wait, exit). */
  readonly startMarginMs: number;
  /** `stop -f` (never waits on the guest). */
  readonly forceStopMs: number;
  /** `delete -f` (force stop + rm -rf). */
  readonly deleteMs: number;
  readonly listMs: number;
  readonly validateMs: number;
  readonly versionMs: number;
  /** SIGTERM → SIGKILL delay for a cancelled or timed-out limactl. */
  readonly killGraceMs: number;
}

export const defaultTimeouts: DriverTimeouts = {
  createMs: 30 * 60_000,
  startMs: 15 * 60_000,
  startMarginMs: 30_000,
  forceStopMs: 60_000,
  deleteMs: 120_000,
  listMs: 30_000,
  validateMs: 30_000,
  versionMs: 15_000,
  killGraceMs: 3_000,
};

export interface OpContext {
  run(req: RunRequest): Promise<LimactlResult>;
  instanceDir(name: string): string;
  readonly timeouts: DriverTimeouts;
  /** Parent of validate's temporary directories. */
  readonly scratchDir: string;
}
