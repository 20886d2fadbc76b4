// metav1.Condition and the Kubernetes helpers around it (apimachinery's meta.SetStatusCondition
// and friends). docs/controllers.md, "Conditions", lists the conditions each kind writes.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  /** RFC 3339, second precision. Changes only when `status` changes. */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** A condition as a writer proposes it; the transition time is filled in by setCondition. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string };

/** The CRD's maxLength on `message`, counted in code points (Go runes). */
export const CONDITION_MESSAGE_MAX = 32768;
export const TRUNCATION_SUFFIX = '… (truncated)';

/**
 * Cuts `msg` so that it has at most CONDITION_MESSAGE_MAX code points including the suffix.
 * Cuts on code-point boundaries, so astral characters are never split into lone surrogates.
 */
export function truncateConditionMessage(msg: string): string {
  // Fast path: UTF-16 length bounds the code-point count from above.
  if (msg.length <= CONDITION_MESSAGE_MAX) return msg;
  const points = Array.from(msg);
  if (points.length <= CONDITION_MESSAGE_MAX) return msg;
  const keep = CONDITION_MESSAGE_MAX - Array.from(TRUNCATION_SUFFIX).length;
  return points.slice(0, keep).join('') + TRUNCATION_SUFFIX;
}

export function findCondition(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}


/**
 * Upserts `input` into `conds` with meta.SetStatusCondition semantics: a new type is appended;
 * for an existing type, lastTransitionTime changes only when status changes, and reason, message
 * and observedGeneration are updated in place. The message is truncated. Returns whether
 * anything changed. `now` is an RFC 3339 timestamp used when no transition time is given.
 */
export function setCondition(conds: Condition[], input: ConditionInput, now: string): boolean {
  const message = truncateConditionMessage(input.message);
  const existing = conds.find((c) => c.type === input.type);
  if (!existing) {
    const c: Condition = {
      type: input.type,
      status: input.status,
      lastTransitionTime: input.lastTransitionTime ?? now,
      reason: input.reason,
      message,
    };
    if (input.observedGeneration !== undefined) c.observedGeneration = input.observedGeneration;
    conds.push(c);
    return true;
  }
  let changed = false;
  if (existing.status !== input.status) {
    existing.status = input.status;
    existing.lastTransitionTime = input.lastTransitionTime ?? now;
    changed = true;
  }
  if (existing.reason !== input.reason) {
    existing.reason = input.reason;
    changed = true;
  }
  if (existing.message !== message) {
    existing.message = message;
    changed = true;
  }
  if (existing.observedGeneration !== input.observedGeneration) {
    if (input.observedGeneration === undefined) delete existing.observedGeneration;
    else existing.observedGeneration = input.observedGeneration;
    changed = true;
  }
  return changed;
}

/** Removes the condition of `type`. Returns whether one was removed. */
export function removeCondition(conds: Condition[], type: string): boolean {
  const i = conds.findIndex((c) => c.type === type);
  if (i < 0) return false;
  conds.splice(i, 1);
  return true;
}
