// What an App actor is made of: its messages, settings, dependencies and in-memory state.
import type { Api } from '../../admission/types.js';
import type { Store } from '../../store/types.js';
import type { ActorRef } from '../../supervisor/types.js';
import type { RequeueBackoff } from '../backoff.js';
import type { ActorRegistry } from '../registry.js';
import type { ReconcileMsg, ResourceChildren, RuntimeState } from '../reconciler.js';
import type { VmActorDeps } from '../limavm/config.js';
import type { AppStepFailure } from './fold.js';
import type { AppOp } from './plan.js';
import type { InstanceValues } from './template.js';

export type AppMsg =
  | ReconcileMsg<AppOp, unknown>
  /** The object of a VM child is gone: stop that child. */
  | { readonly t: 'childGone'; readonly uid: string };

export interface AppConfig {
  /** After this long waiting for the VM's teardown, Deleting=False/ChildTeardownStuck is raised. */
  readonly childTeardownMs: number;
  readonly backoff: RequeueBackoff;
}

export const defaultAppConfig: AppConfig = {
  childTeardownMs: 5 * 60_000,
  backoff: { minMs: 1_000, maxMs: 60_000, jitter: 0.2 },
};

export interface AppActorDeps {
  readonly store: Store;
  readonly api: Api;
  readonly registry: ActorRegistry<AppMsg>;
  readonly instance: InstanceValues;
  readonly cfg: AppConfig;
  readonly random: () => number;
  /** What a VM child actor needs (its onGone is wired here). */
  readonly vm: Omit<VmActorDeps, 'onGone'>;
  readonly onGone: (uid: string, self: ActorRef<AppMsg>) => void;
  /** Crash point for tests: SIGKILLs the process when RDD_FAULT_POINT names it. */
  readonly faultPoint?: (name: string) => void;
}

export interface AppState extends RuntimeState<AppOp> {
  readonly uid: string;
  /** The VM actors this App spawned, by VM uid (an old `rd` may still be tearing down beside a new one). */
  readonly children: ResourceChildren;
  createError?: string;
  /** The last failed step; written as a condition and retried at retryAt. */
  stepFailure?: AppStepFailure;
  retryAt?: number;
  /** A Kubernetes API port chosen while the App's status has none; the planner writes it (fold.ts). */
  chosenPort?: number;
  /** The last rendered template and the inputs it came from: every pass needs it, few change it. */
  rendered?: { readonly key: string; readonly text: string };
}
