// What "done" and "failed" mean for each wait. A failure is a False condition whose reason ends in
// "Failed" (CreateFailed, StartFailed, StopFailed) or is InstanceExists, at the generation this
// command wrote; waits that are meant to clear an old failure (restart, reset) only count a failure
// that appears after the condition changed.
import {
  RESET_REQUESTED_ANNOTATION,
  findCondition,
  type Condition,
  type Resource,
} from '../../api/index.js';
import { DONE, WAIT, failed, type Verdict } from './verdict.js';

const conditionsOf = (o: Resource | undefined): Condition[] => (o?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];

/** Reasons that need the user to act (nothing converges by waiting), besides every `…Failed`. */
const BLOCKED_REASONS: ReadonlySet<string> = new Set(['InstanceExists', 'NameConflict', 'TemplateInvalid']);

export function isFailureCondition(c: Condition): boolean {
  return c.status === 'False' && (/Failed$/.test(c.reason) || BLOCKED_REASONS.has(c.reason));
}

const current = (c: Condition, gen: number | undefined): boolean =>
  gen === undefined || c.observedGeneration === undefined || c.observedGeneration >= gen;

const failureText = (what: string, c: Condition): string =>
  `${what} failed: ${c.type}=${c.status} (${c.reason})${c.message ? `: ${c.message}` : ''}`;

/**
 * Finds failure conditions. Armed from the start, any current failure counts; disarmed, a type's
 * failure counts only once that condition differs from what `baseline` had.
 */
export class FailureTracker {
  private readonly baseline = new Map<string, string>();

  constructor(
    baseline: Resource | undefined,
    private readonly o: { armed: boolean; generation?: number; types?: readonly string[] },
  ) {
    if (!o.armed) for (const c of conditionsOf(baseline)) this.baseline.set(c.type, key(c));
  }

  failure(obj: Resource | undefined): Condition | undefined {
    for (const c of conditionsOf(obj)) {
      if (this.o.types && !this.o.types.includes(c.type)) continue;
      const base = this.baseline.get(c.type);
      if (base !== undefined) {
        if (base === key(c)) continue;
        this.baseline.delete(c.type);
      }
      if (isFailureCondition(c) && current(c, this.o.generation)) return c;
    }
    return undefined;
  }
}

const key = (c: Condition): string => `${c.status}|${c.reason}|${c.message}|${c.lastTransitionTime}`;

/** `rdd set/start/stop`: Settled=True at the write's generation; fail on a failed Settled. */
export function appSettled(generation: number): (o: Resource | undefined) => Verdict {
  return (o) => {
    if (!o) return failed('the App was deleted while waiting for it to settle');
    const s = findCondition(conditionsOf(o), 'Settled');
    if (!s || s.observedGeneration === undefined || s.observedGeneration < generation) return WAIT;
    if (s.status === 'True') return DONE;
    if (isFailureCondition(s)) return failed(`the App failed to settle: ${s.message || s.reason} (${s.reason})`);
    return WAIT;
  };
}

export interface ConditionGoal {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
}

/** A condition reaching a status (and reason) at the write's generation, with failures ending the wait early. */
export function conditionReached(what: string, goal: ConditionGoal, tracker: FailureTracker, generation?: number): (o: Resource | undefined) => Verdict {
  return (o) => {
    if (!o) return failed(`${what} was deleted while waiting`);
    const c = findCondition(conditionsOf(o), goal.type);
    if (c && c.status === goal.status && (goal.reason === undefined || c.reason === goal.reason) && current(c, generation)) return DONE;
    const f = tracker.failure(o);
    return f ? failed(failureText(what, f)) : WAIT;
  };
}

/** `limavm restart`: restartCount grew past `before`. */
export function restartCountAbove(what: string, before: number, tracker: FailureTracker): (o: Resource | undefined) => Verdict {
  return (o) => {
    if (!o) return failed(`${what} was deleted while waiting for the restart`);
    const n = (o.status as { restartCount?: number } | undefined)?.restartCount ?? 0;
    if (n > before) return DONE;
    const f = tracker.failure(o);
    return f ? failed(failureText(what, f)) : WAIT;
  };
}

/**
 * `limavm reset` / `rdd reset`: the VM takes the annotation (status.resetNeeded first, then the
 * annotation goes), stops, deletes and recreates the instance, then clears resetNeeded. Done once
 * the annotation is gone, resetNeeded is clear, Created=True and, if it should run, Running=True.
 */
export function resetDone(what: string, tracker: FailureTracker): (o: Resource | undefined) => Verdict {
  return (o) => {
    if (!o) return failed(`${what} was deleted while waiting for the reset`);
    const pending =
      o.metadata.annotations?.[RESET_REQUESTED_ANNOTATION] !== undefined ||
      (o.status as { resetNeeded?: boolean } | undefined)?.resetNeeded === true;
    const conds = conditionsOf(o);
    const wantRunning = (o.spec as { running?: boolean } | undefined)?.running === true;
    if (
      !pending &&
      findCondition(conds, 'Created')?.status === 'True' &&
      (!wantRunning || findCondition(conds, 'Running')?.status === 'True')
    ) {
      return DONE;
    }
    const f = tracker.failure(o);
    return f ? failed(failureText(what, f)) : WAIT;
  };
}

/** Deletion: the object is gone, or a new object (another uid) took its name. */
export function gone(uid: string): (o: Resource | undefined) => Verdict {
  return (o) => (!o || o.metadata.uid !== uid ? DONE : WAIT);
}

/** `limavm stop`: Running=False with reason Stopped (not Starting or StartFailed), or no instance at all (Created=False). */
export function vmStopped(what: string, gen: number, tracker: FailureTracker): (o: Resource | undefined) => Verdict {
  const reached = conditionReached(what, { type: 'Running', status: 'False', reason: 'Stopped' }, tracker, gen);
  return (o) => {
    const conds = conditionsOf(o);
    if (o && findCondition(conds, 'Created')?.status === 'False' && findCondition(conds, 'Running')?.status !== 'True') return DONE;
    return reached(o);
  };
}
