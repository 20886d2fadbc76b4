// Dead letters: messages that reached an actor that had stopped (or whose stash was full).
// Counted, offered to listeners, and logged at most once per interval so a flood cannot
// drown the log.
import type { Logger } from 'pino';
import type { Clock, DeadLetter } from './types.js';

export class DeadLetters {
  count = 0;
  private readonly listeners = new Set<(d: DeadLetter) => void>();
  private unlogged = 0;
  private samplePath = '';
  private lastLogAt = -Infinity;
  private timer: unknown = undefined;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  record(path: string, msg: unknown): void {
    this.count++;
    for (const fn of this.listeners) {
      try {
        fn({ path, msg });
      } catch (err) {
        this.log.error({ err, path }, 'dead letter listener threw');
      }
    }
    this.unlogged++;
    this.samplePath = path;
    if (this.timer !== undefined) return;
    const wait = this.lastLogAt + this.intervalMs - this.clock.now();
    if (wait <= 0) this.flush();
    else if (!this.closed) this.timer = this.clock.setTimeout(() => this.flush(), wait, { unref: true });
  }

  on(fn: (d: DeadLetter) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Logs what was counted since the last line (if anything). */
  flush(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.unlogged === 0) return;
    this.log.info({ count: this.unlogged, total: this.count, path: this.samplePath }, 'dead_letters');
    this.unlogged = 0;
    this.lastLogAt = this.clock.now();
  }

  /** Final flush; later dead letters are still counted, and logged only when the interval allows (no timer). */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
