// What every client stream that survives reconnects shares: one server stream at a time, retries
// with backoff on retryable errors, a `started` promise for the first acceptance, and a close that
// cancels the server side. Subclasses say how to open the stream and how to cancel it.
import { toApiError, type ApiError } from '../../api/index.js';
import type { Conn, RequestBody } from './conn.js';
import { Backoff, isRetryable, type StreamHost } from './host.js';

export abstract class RetryingStream {
  protected stopped = false;
  protected current: { conn: Conn; id: number } | undefined;
  protected readonly backoff = new Backoff();
  private retryTimer: NodeJS.Timeout | undefined;
  private resolveStarted!: () => void;
  private rejectStarted!: (e: unknown) => void;
  /** Resolves once the server accepted the first request (rejects if it was refused). */
  readonly started: Promise<void>;

  constructor(
    protected readonly host: StreamHost,
    /** Names the stream in logs ("watch", "condition stream"). */
    private readonly what: string,
    private readonly onError?: (err: ApiError) => void,
  ) {
    this.started = new Promise((res, rej) => {
      this.resolveStarted = res;
      this.rejectStarted = rej;
    });
    // Callers that only use callbacks must not get an unhandled rejection.
    this.started.catch(() => undefined);
  }

  /** The request that cancels server stream `id`. */
  protected abstract cancelRequest(id: number): RequestBody<'cancel'> | RequestBody<'unwatch'>;

  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.host.forget(this);
    clearTimeout(this.retryTimer);
    const cur = this.current;
    this.current = undefined;
    if (cur && cur.conn.isOpen) {
      cur.conn.dropHandler(cur.id);
      cur.conn.request(this.cancelRequest(cur.id)).catch(() => undefined);
    }
  }

  /** The server accepted the stream: reset the backoff and settle `started`. */
  protected opened(): void {
    this.backoff.reset();
    this.resolveStarted();
  }

  /**
   * After a failure: a non-retryable error ends the stream (rejecting `started` and reporting it);
   * otherwise the next attempt is scheduled with backoff. Returns the error as an ApiError.
   */
  protected retryOrGiveUp(e: unknown, attempt: () => void): ApiError {
    const err = toApiError(e);
    this.current = undefined;
    if (this.stopped) return err;
    if (!isRetryable(err)) {
      this.stopped = true;
      this.host.forget(this);
      this.rejectStarted(err);
      if (this.onError) this.onError(err);
      else this.host.log?.error({ err }, `${this.what} failed`);
      return err;
    }
    this.host.log?.debug({ err }, `${this.what} interrupted; retrying`);
    this.retryIn(this.backoff.next(), attempt);
    return err;
  }

  protected retryIn(delayMs: number, attempt: () => void): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(attempt, delayMs);
  }
}
