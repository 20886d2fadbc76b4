// The long operations of a LimaVM, run outside the actor's handler. Each one is a driver call plus
// the rdd bookkeeping files that make it crash-safe; the result comes back as a message.
import { isLimaError } from '../../lima/errors.js';
import type { LimaDriver } from '../../lima/types.js';
import { removeSentinel, writeOwnerMarker, writeSentinel } from './disk.js';
import type { OpOutcome } from './messages.js';
import type { OpRequest } from './plan.js';

export interface OpContext {
  readonly driver: LimaDriver;
  readonly name: string;
  readonly uid: string;
  readonly signal: AbortSignal;
  readonly startTimeoutMs: number;
}

export async function runOp(op: OpRequest, c: OpContext): Promise<OpOutcome> {
  const { driver, name, signal } = c;
  switch (op.kind) {
    case 'create':
      return create(op.template, c);
    case 'start':
      return { kind: 'started', outcome: await driver.start(name, { signal, timeoutMs: c.startTimeoutMs }) };
    case 'stop':
      return { kind: 'stopped', outcome: await driver.stop(name, { signal, graceMs: op.graceMs }) };
    case 'deleteInstance':
      await driver.delete(name, { signal });
      if (op.purpose === 'stalePrepare') removeSentinel(driver, name);
      return { kind: 'deleted' };
  }
}

/**
 * Sentinel first, so a crash mid-create is recognisable as ours on restart; ownership marker
 * after, so an instance without it is never mistaken for ours. A failed create removes what it
 * half-built (it is ours: the sentinel says so), except when the name was taken meanwhile.
 */
async function create(template: string, c: OpContext): Promise<OpOutcome> {
  const { driver, name, uid, signal } = c;
  writeSentinel(driver, name, uid);
  try {
    await driver.create(name, template, { signal });
  } catch (e) {
    // Cancelled (daemon stopping): keep the sentinel; the next start removes the half-built instance.
    if (signal.aborted) throw e;
    if (isLimaError(e) && e.code === 'AlreadyExists') {
      // The name was taken meanwhile: that instance is not ours, and neither is the sentinel's claim.
      removeSentinel(driver, name);
      throw e;
    }
    await driver.delete(name).catch(() => undefined);
    // Only once the half-built directory is gone: while it exists, the sentinel is what says it is
    // ours (it has no owner marker yet), so the planner retries the delete instead of calling it foreign.
    if (!driver.inspect(name).dirExists) removeSentinel(driver, name);
    throw e;
  }
  writeOwnerMarker(driver, name, uid);
  removeSentinel(driver, name);
  return { kind: 'created' };
}

/** The message a person reads in a condition for a failed operation. */
export function failureText(e: unknown): string {
  if (isLimaError(e)) return e.shortMessage || e.message;
  return e instanceof Error ? e.message : String(e);
}

export function isCancelled(e: unknown): boolean {
  return isLimaError(e) && e.code === 'Cancelled';
}
