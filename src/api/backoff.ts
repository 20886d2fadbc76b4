// The one exponential backoff formula: the kernel's restart delays, the actors' requeues after an
// expected failure and the client's redials all use it, each with its own bounds.

/** setTimeout's ceiling: Node turns anything larger into 1 ms. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

export interface BackoffBounds {
  readonly minMs: number;
  readonly maxMs: number;
  /** 0..1: the delay is stretched by up to this fraction (random() * jitter). */
  readonly jitter: number;
}

/**
 * Delay before attempt `attempt` (1-based): min(maxMs, minMs * 2^(attempt-1)) * (1 + jitter * random()),
 * clamped to [0, 2^31-1] ms. With jitter the delay may exceed maxMs by up to that factor (as Akka's).
 */
export function backoffDelay(attempt: number, b: BackoffBounds, random: () => number): number {
  const exp = Math.max(0, attempt - 1);
  const base = exp >= 60 ? b.maxMs : Math.min(b.maxMs, b.minMs * 2 ** exp);
  const ms = Math.round(base * (1 + b.jitter * random()));
  if (!(ms > 0)) return 0;
  return ms > MAX_DELAY_MS ? MAX_DELAY_MS : ms;
}
