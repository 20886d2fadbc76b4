// The state every verb module works on: statements, transaction, feed, clock and identity source.
import type Database from 'better-sqlite3';
import type { Logger } from '../log.js';
import type { ObjectRow, Statements } from './db.js';
import type { Feed } from './feed.js';
import type { Tx } from './tx.js';
import type { Target } from './validate.js';

export interface Core {
  readonly db: Database.Database;
  readonly q: Statements;
  readonly tx: Tx;
  readonly feed: Feed;
  readonly log: Logger;
  readonly now: () => number;
  readonly uid: () => string;
}

export function readRow(core: Core, t: Target): ObjectRow | undefined {
  return core.q.selectObject.get(t.info.kind, t.ns, t.name) as ObjectRow | undefined;
}

export function currentRevision(core: Core): number {
  return (core.q.currentRevision.get() as number | undefined) ?? 0;
}

export function compactedRevision(core: Core): number {
  return core.q.selectCompactRev.get() as number;
}
