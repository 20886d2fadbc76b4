// What the long-lived client streams (watch, conditions) need from the client: a live connection
// (redialed on demand), a list call for relisting, and a retry schedule.
import { backoffDelay, type BackoffBounds } from '../../api/backoff.js';
import { isApiError, type ApiError } from '../../api/index.js';
import type { Logger } from '../../log.js';
import type { ListResult } from '../../store/types.js';
import type { Conn } from './conn.js';

export interface StreamHost {
  /** The current connection, dialing a new one when the last one closed. */
  connection(): Promise<Conn>;
  list(kind: string, o: { namespace?: string; labelSelector?: string; name?: string }): Promise<ListResult>;
  readonly closed: boolean;
  readonly log?: Logger;
  /** Called by a stream when it closes, so the client stops tracking it. */
  forget(stream: { close(): void }): void;
}

/** Redial delays: the shared backoff formula, 50 ms doubling to 5 s, stretched by up to 20%. */
export class Backoff {
  private attempt = 0;
  constructor(private readonly bounds: BackoffBounds = { minMs: 50, maxMs: 5_000, jitter: 0.2 }) {}

  next(): number {
    this.attempt = Math.min(this.attempt + 1, 30);
    return backoffDelay(this.attempt, this.bounds, Math.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Errors worth retrying: the connection went away or could not be made, the daemon is busy or
 * restarting, or a request timed out. Anything else (bad selector, unknown kind, bad token) is final.
 */
export function isRetryable(e: unknown): boolean {
  if (!isApiError(e)) return true;
  const err: ApiError = e;
  return err.code === 503 || err.code === 504 || err.code === 429 || err.reason === 'Timeout';
}
