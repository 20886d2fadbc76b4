// What a LimaVM actor is made of: its settings, its dependencies, its in-memory state, and the
// handles its modules share (`Kit`). The store is the truth; this state is a cache plus live
// handles (the operation in flight, the watcher child).
import type { LimaVM } from '../../api/index.js';
import type { Api } from '../../admission/types.js';
import type { LimaDriver } from '../../lima/types.js';
import type { Store } from '../../store/types.js';
import type { ActorContext, ActorRef } from '../../supervisor/types.js';
import type { RequeueBackoff } from '../backoff.js';
import type { RuntimeState } from '../reconciler.js';
import type { ActorRegistry } from '../registry.js';
import type { VmMsg } from './messages.js';
import type { OpRequest, Phase, PlanConfig } from './plan.js';

export interface VmConfig extends PlanConfig {
  readonly startTimeoutMs: number;
  /** Requeue after expected failures (create, start, teardown). */
  readonly backoff: RequeueBackoff;
  readonly watcherPollMs?: number;
}

export const defaultVmConfig: VmConfig = {
  stopGraceMs: 30_000,
  deleteGraceMs: 30_000,
  crashLoop: { max: 5, windowMs: 10 * 60_000 },
  adoptTimeoutMs: 60_000,
  brokenDebounceMs: 3_000,
  startTimeoutMs: 15 * 60_000,
  backoff: { minMs: 1_000, maxMs: 5 * 60_000, jitter: 0.2 },
};

export interface VmActorDeps {
  readonly store: Store;
  readonly api: Api;
  readonly driver: LimaDriver;
  readonly registry: ActorRegistry<VmMsg>;
  readonly cfg: VmConfig;
  readonly random: () => number;
  /** The VM object is gone: the parent stops this actor with reason 'deleted'. */
  readonly onGone: (uid: string, self: ActorRef<VmMsg>) => void;
}

export interface VmIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface ShutdownState {
  /** Lowered by a second, more urgent shutdown request (a second signal: force). */
  graceMs: number;
  readonly replies: Array<(r: { name: string; forced: boolean; stopped: boolean }) => void>;
  forced: boolean;
  stopped: boolean;
}

/** The hostagent watcher child and what it has reported. */
export interface Watcher {
  readonly ref: ActorRef<never>;
  /** Which watcher: events of an older one are dropped. */
  readonly gen: number;
  /** When it started (adoption gives up after cfg.adoptTimeoutMs without news). */
  readonly since: number;
  phase: Phase;
  degradedErrors: readonly string[];
}

/** Failure bookkeeping: the crash-loop window and the backoff before the next attempt. */
export interface Retry {
  /** Times of start failures and unexpected hostagent exits, for the crash-loop limit. */
  failures: readonly number[];
  /** The VM generation the failures were counted at (a spec edit gives a fresh budget). */
  generation: number | undefined;
  lastFailure: string | undefined;
  /** No start/create/teardown attempt before this time. */
  retryAt: number | undefined;
  /** This start attempt already counted as a failure (the watcher and the start result both see it). */
  attemptFailed: boolean;
  /** A start failed while its hostagent lives on (e.g. boot timeout): stop it before retrying. */
  failedStartCleanup: boolean;
}

export interface VmState extends RuntimeState<OpRequest> {
  readonly id: VmIdentity;
  /** The watcher, or undefined when none runs. */
  watcher: Watcher | undefined;
  /** The generation of the last watcher started. */
  watcherGen: number;
  retry: Retry;
  /** When the disk first showed Broken in the current run of observations. */
  brokenSince: number | undefined;
  shutdown: ShutdownState | undefined;
}

export type Ctx = ActorContext<VmMsg>;

/** What every module of one VM actor shares. */
export interface Kit {
  readonly id: VmIdentity;
  readonly deps: VmActorDeps;
  /** The VM object, if it still exists with this actor's uid. */
  readVm(): LimaVM | undefined;
}
