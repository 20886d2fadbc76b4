// compact: drops event rows older than the newest `keep` revisions, in batches so a large
// backlog never holds the write lock for long. Current objects live in their own table, so they
// stay listable; only watches from before the compaction point become impossible (410).
import { errors } from '../api/index.js';
import { compactedRevision, currentRevision, type Core } from './core.js';
import { checkpoint } from './db.js';

export const DEFAULT_KEEP = 1000;
const BATCH = 1000;

export function compact(core: Core, keep: number): number {
  if (!Number.isInteger(keep) || keep < 0) throw errors.badRequest(`compaction keep must be a non-negative integer, got ${keep}`);
  if (core.tx.active) throw new Error('store.compact cannot run inside a transaction');
  const done = compactedRevision(core);
  const target = currentRevision(core) - keep;
  if (target <= done) return done;
  for (let from = done; from < target; from += BATCH) {
    const to = Math.min(from + BATCH, target);
    core.tx.run(() => {
      core.q.deleteEventsBetween.run(from, to);
      core.q.updateCompactRev.run(to);
    });
  }
  checkpoint(core.db);
  core.log.debug({ from: done, to: target, keep }, 'store compacted');
  return target;
}
