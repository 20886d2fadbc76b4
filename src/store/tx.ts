// Transactions: the outermost call is BEGIN IMMEDIATE..COMMIT, nested calls are savepoints.
// Events of a write are staged and handed to the feed only after the outermost COMMIT; a
// rollback (of the whole transaction or of one savepoint) discards the events it staged.
import type Database from 'better-sqlite3';
import type { Statements } from './db.js';
import type { ChangeEvent } from './types.js';

export class Tx {
  private depth = 0;
  private staged: ChangeEvent[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly q: Statements,
    private readonly publish: (events: readonly ChangeEvent[]) => void,
  ) {}

  get active(): boolean {
    return this.depth > 0;
  }

  stage(ev: ChangeEvent): void {
    this.staged.push(ev);
  }

  /** Runs `fn` atomically; with `dry`, always rolls back (no row, no event, no revision kept). */
  run<T>(fn: () => T, dry = false): T {
    return this.depth === 0 ? this.outer(fn, dry) : this.nested(fn, dry);
  }

  private outer<T>(fn: () => T, dry: boolean): T {
    this.q.begin.run();
    this.depth = 1;
    let result: T;
    try {
      result = mustBeSync(fn());
      if (dry) this.q.rollback.run();
      else this.q.commit.run();
    } catch (e) {
      if (this.db.inTransaction) this.q.rollback.run();
      this.staged = [];
      throw e;
    } finally {
      this.depth = 0;
    }
    const events = this.staged;
    this.staged = [];
    if (!dry) this.publish(events);
    return result;
  }

  private nested<T>(fn: () => T, dry: boolean): T {
    const mark = this.staged.length;
    this.q.savepoint.run();
    this.depth++;
    try {
      const result = mustBeSync(fn());
      if (dry) this.undo(mark);
      else this.q.release.run();
      return result;
    } catch (e) {
      this.undo(mark);
      throw e;
    } finally {
      this.depth--;
    }
  }

  private undo(mark: number): void {
    // A failed statement may have ended the whole transaction already; then there is no savepoint.
    if (this.db.inTransaction) {
      this.q.rollbackTo.run();
      this.q.release.run();
    }
    this.staged.length = mark;
  }
}

function mustBeSync<T>(v: T): T {
  if (typeof (v as { then?: unknown } | null)?.then === 'function') {
    throw new TypeError('store transactions must be synchronous: the function returned a promise');
  }
  return v;
}
