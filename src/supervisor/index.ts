// The actor kernel over nact (docs/actors.md). Actors are supervised behaviours: branded refs,
// ask with its own correlation, async init with a stash, restart policies with intensity and
// backoff, OTP strategies, death watch, ordered stop under deadlines, keyed timers, pipeToSelf.
// This folder is the only one that imports nact.
import { System } from './system.js';
import type { Kernel, KernelOptions } from './types.js';

export type * from './types.js';
export { realClock, manualClock, clampMs, MAX_DELAY_MS } from './clock.js';
export { addRestart, nextAttempt, nextDelay, DEFAULT_POLICY, DEFAULT_SHUTDOWN_MS, DEFAULT_STASH_CAPACITY } from './policy.js';
export { describeReason, isCrash } from './errors.js';
export { KernelError, isKernelError, type KernelErrorCode, type KernelErrorDetails, type SpecFieldError } from './kernel-error.js';
export { installProcessGuard } from './guard.js';

/** A kernel with its own nact system (nact systems are process-global: one kernel per test). */
export function createKernel(opts: KernelOptions): Kernel {
  return new System(opts);
}
