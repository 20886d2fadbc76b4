// A keyed async mutex: operations on one instance run one at a time (Lima has no locking between
// concurrent limactl invocations), different keys run in parallel. Waiting honours an AbortSignal.

/** Thrown when the signal aborts while waiting for the lock; the queued work never runs. */
export class LockAbortedError extends Error {
  constructor(readonly key: string, cause: unknown) {
    super(`gave up waiting for the lock on ${JSON.stringify(key)}: the operation was cancelled`, { cause });
  }
}
Object.defineProperty(LockAbortedError.prototype, 'name', { value: 'LockAbortedError', enumerable: false });

function waitOrAbort(p: Promise<void>, key: string, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new LockAbortedError(key, signal.reason));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(new LockAbortedError(key, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

export class KeyedMutex {
  // The tail of each key's queue; removed when the last holder releases.
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier holder of `key` has finished. */
  async run<T>(key: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    // A waiter that gives up releases at once; the next one still waits for `prev` through this chain.
    const tail = prev.then(() => mine);
    this.#tails.set(key, tail);
    try {
      await waitOrAbort(prev, key, signal);
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with a holder or waiters (for tests and diagnostics). */
  busyKeys(): string[] {
    return [...this.#tails.keys()];
  }
}
