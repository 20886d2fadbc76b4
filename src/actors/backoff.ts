// Per-resource exponential requeue for expected failures (a failed limactl call is a result,
// not a crash). Crashes are the kernel's business; this never mixes with its restart backoff.

export interface RequeueBackoff {
  readonly minMs: number;
  readonly maxMs: number;
  /** 0..1: the delay is multiplied by (1 + jitter * random()). */
  readonly jitter: number;
}

/** Delay before attempt `n` (1-based): min(maxMs, minMs * 2^(n-1)), jittered. */
export function requeueDelay(n: number, b: RequeueBackoff, random: () => number): number {
  const base = Math.min(b.maxMs, b.minMs * 2 ** Math.max(0, n - 1));
  return Math.round(Math.min(b.maxMs, base * (1 + b.jitter * random())));
}

/** Counts one more failed attempt on `s` and returns the delay before the next one. */
export function nextRetryDelay(s: { attempts: number }, b: RequeueBackoff, random: () => number): number {
  s.attempts += 1;
  return requeueDelay(s.attempts, b, random);
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Math.round(ms / 100) / 10}s`;
}
