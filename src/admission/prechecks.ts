// Precheck results (keyed by each hook's own key) and the signal a sync phase uses to say that
// its input changed since the precheck ran, so the whole request must start over.
import type { Prechecks } from './types.js';

export class PrecheckMap implements Prechecks {
  private readonly values = new Map<string, unknown>();

  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }

  set(key: string, value: unknown): void {
    this.values.set(key, value);
  }
}

const staleBrand = Symbol.for('rdd.PrecheckStale');

/**
 * Thrown by a sync phase (mutate/validate) when the precheck result it needs is missing, i.e.
 * what it checks changed between the precheck and the transaction. The Api retries the request
 * from its prechecks; it never reaches a client.
 */
export class PrecheckStaleError extends Error {
  readonly [staleBrand] = true;
  override readonly name = 'PrecheckStaleError';
}

export function precheckStale(what: string): PrecheckStaleError {
  return new PrecheckStaleError(`precheck result missing for ${what}: its input changed since the precheck`);
}

export function isPrecheckStale(e: unknown): e is PrecheckStaleError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[staleBrand] === true;
}
