// Restart policy: defaults, up-front validation of child specs (OTP's validX), and the two pure
// functions that decide restarts: the intensity window and the backoff delay.
import { backoffDelay } from '../api/backoff.js';
import { kernelErrors } from './errors.js';
import type { SpecFieldError } from './kernel-error.js';
import type { Backoff, ChildSpec, RestartPolicy } from './types.js';

/**
 * Defaults when neither the spec nor KernelOptions.defaults say otherwise: OTP-like restarts,
 * an intensity of 5 crashes per minute, and a 200 ms -> 30 s backoff that resets after a healthy minute.
 */
export const DEFAULT_POLICY: RestartPolicy = {
  restart: 'permanent',
  intensity: { max: 5, withinMs: 60_000 },
  backoff: { minMs: 200, maxMs: 30_000, jitter: 0.2, resetAfterMs: 60_000 },
  onExhausted: 'stop',
};

export const DEFAULT_SHUTDOWN_MS = 5000;
export const DEFAULT_STASH_CAPACITY = 1000;

/** nact's own name rule; it also keeps '/' (our path separator) and ':' out. */
const NAME_RE = /^[a-z0-9\-$_.+!*'(),]+$/i;

export function resolvePolicy(base: RestartPolicy, over: Partial<RestartPolicy> | undefined): RestartPolicy {
  if (over === undefined) return base;
  return {
    restart: over.restart ?? base.restart,
    intensity: over.intensity ?? base.intensity,
    backoff: over.backoff ?? base.backoff,
    onExhausted: over.onExhausted ?? base.onExhausted,
  };
}

/**
 * OTP's add_restart: drops the restarts older than the window, appends `now`. The caller compares
 * the result's length with `intensity.max`: more than max restarts inside the window means give up.
 */
export function addRestart(history: readonly number[], now: number, withinMs: number): number[] {
  const kept = history.filter((t) => now - t < withinMs);
  kept.push(now);
  return kept;
}

/** The attempt number of the next restart: 1 again once the actor ran healthy for resetAfterMs. */
export function nextAttempt(prev: number, runningSince: number | undefined, now: number, resetAfterMs: number): number {
  if (runningSince !== undefined && now - runningSince >= resetAfterMs) return 1;
  return prev + 1;
}

/** Delay before restart `attempt` (1-based): the shared backoff formula with the policy's bounds. */
export function nextDelay(attempt: number, backoff: Backoff, random: () => number): number {
  return backoffDelay(attempt, backoff, random);
}

const isNonNegative = (n: unknown): n is number => typeof n === 'number' && n >= 0 && !Number.isNaN(n);

/** Throws a KernelError InvalidSpec naming every bad field, so a bad spec never reaches runtime. */
export function validateSpec<S, M>(spec: ChildSpec<S, M>): void {
  const fields: SpecFieldError[] = [];
  const bad = (field: string, message: string) => fields.push({ field, message });
  if (typeof spec.name !== 'string' || !NAME_RE.test(spec.name)) {
    bad('name', `${JSON.stringify(spec.name)} must be non-empty and use only letters, digits and -$_.+!*'(),`);
  }
  if (typeof spec.behavior?.init !== 'function' || typeof spec.behavior?.receive !== 'function') {
    bad('behavior', 'must define init(ctx) and receive(state, msg, ctx)');
  }
  if (spec.restart !== undefined && !['permanent', 'transient', 'temporary'].includes(spec.restart)) {
    bad('restart', `${JSON.stringify(spec.restart)} must be permanent, transient or temporary`);
  }
  if (spec.onExhausted !== undefined && !['stop', 'escalate'].includes(spec.onExhausted)) {
    bad('onExhausted', `${JSON.stringify(spec.onExhausted)} must be stop or escalate`);
  }
  if (spec.strategy !== undefined && !['one_for_one', 'one_for_all', 'rest_for_one'].includes(spec.strategy)) {
    bad('strategy', `${JSON.stringify(spec.strategy)} must be one_for_one, one_for_all or rest_for_one`);
  }
  if (spec.stopChildren !== undefined && !['in_order', 'parallel'].includes(spec.stopChildren)) {
    bad('stopChildren', `${JSON.stringify(spec.stopChildren)} must be in_order or parallel`);
  }
  if (spec.shutdownMs !== undefined && spec.shutdownMs !== 'infinity' && !isNonNegative(spec.shutdownMs)) {
    bad('shutdownMs', `${String(spec.shutdownMs)} must be a number of milliseconds >= 0 or 'infinity'`);
  }
  if (spec.stashCapacity !== undefined && !(Number.isInteger(spec.stashCapacity) && spec.stashCapacity >= 0)) {
    bad('stashCapacity', `${String(spec.stashCapacity)} must be an integer >= 0`);
  }
  if (spec.intensity !== undefined) {
    const { max, withinMs } = spec.intensity;
    if (!(Number.isInteger(max) && max >= 0)) bad('intensity.max', `${String(max)} must be an integer >= 0`);
    if (!(typeof withinMs === 'number' && withinMs > 0)) bad('intensity.withinMs', `${String(withinMs)} must be > 0`);
  }
  if (spec.backoff !== undefined) validateBackoff(spec.backoff, bad);
  if (fields.length > 0) throw kernelErrors.invalidSpec(String(spec.name), fields);
}

function validateBackoff(b: Backoff, bad: (field: string, message: string) => void): void {
  if (!isNonNegative(b.minMs)) bad('backoff.minMs', `${String(b.minMs)} must be >= 0`);
  if (!isNonNegative(b.maxMs) || b.maxMs < b.minMs) bad('backoff.maxMs', `${String(b.maxMs)} must be >= minMs`);
  if (!(typeof b.jitter === 'number' && b.jitter >= 0 && b.jitter <= 1)) bad('backoff.jitter', `${String(b.jitter)} must be in [0, 1]`);
  if (!isNonNegative(b.resetAfterMs)) bad('backoff.resetAfterMs', `${String(b.resetAfterMs)} must be >= 0`);
}
