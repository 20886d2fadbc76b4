// Per-resource exponential requeue for expected failures (a failed limactl call is a result,
// not a crash). Crashes are the kernel's business; this never mixes with its restart backoff.
import { backoffDelay, type BackoffBounds } from '../api/backoff.js';

export type RequeueBackoff = BackoffBounds;

/** Delay before attempt `n` (1-based): the shared formula, never above maxMs (a requeue waits at most that long). */
export function requeueDelay(n: number, b: RequeueBackoff, random: () => number): number {
  return Math.min(b.maxMs, backoffDelay(n, b, random));
}

/** Counts one more failed attempt on `s` and returns the delay before the next one. */
export function nextRetryDelay(s: { attempts: number }, b: RequeueBackoff, random: () => number): number {
  s.attempts += 1;
  return requeueDelay(s.attempts, b, random);
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Math.round(ms / 100) / 10}s`;
}
