// Mirroring the LimaVM's conditions onto the App, and the Settled decision (docs/controllers.md,
// "Mirroring and Settled (A2)"),
// as pure functions of plain objects.
import {
  findCondition,
  truncateConditionMessage,
  type Condition,
  type ConditionInput,
  type LimaVM,
} from '../../api/index.js';

/** App condition types the App writes itself; every other type on the App is mirrored from the VM. */
export const APP_OWN_TYPES: ReadonlySet<string> = new Set(['Settled', 'Deleting']);

/**
 * The App's conditions after mirroring `vm`: the VM's conditions copied exactly (type, status,
 * reason, truncated message, lastTransitionTime) with the App's generation, App conditions the VM
 * no longer has removed, and the App's own conditions kept.
 */
export function mirrorConditions(appConds: readonly Condition[], vm: LimaVM | undefined, generation: number): Condition[] {
  const vmConds = (vm?.status?.conditions ?? []).filter((c) => !APP_OWN_TYPES.has(c.type));
  const out: Condition[] = [];
  for (const c of appConds) {
    if (APP_OWN_TYPES.has(c.type)) out.push({ ...c });
    else {
      const v = vmConds.find((x) => x.type === c.type);
      if (v) out.push(mirrored(v, generation));
    }
  }
  for (const v of vmConds) if (!out.some((c) => c.type === v.type)) out.push(mirrored(v, generation));
  return out;
}

function mirrored(v: Condition, generation: number): Condition {
  return {
    type: v.type,
    status: v.status,
    observedGeneration: generation,
    lastTransitionTime: v.lastTransitionTime,
    reason: v.reason,
    message: truncateConditionMessage(v.message),
  };
}

const FAILED = /Failed$/;
export const SETTLED_MESSAGE = 'App has reached the desired state';

export interface SettledInputs {
  readonly generation: number;
  readonly desiredRunning: boolean;
  readonly templateUpToDate: boolean;
  /** The VM the App mirrors, if it exists and is not being deleted. */
  readonly vm: LimaVM | undefined;
  /** Why there is no VM to mirror, when there is none. */
  readonly waitingFor?: string;
  /** The VM's actor exhausted its restarts: the VM's conditions are stale, whatever they say. */
  readonly actorFailure?: string;
}

/**
 * The Settled condition. Creation and start failures reach Settled (False with the failure's
 * reason and message), so a waiting client fails fast instead of timing out.
 */
export function computeSettled(i: SettledInputs): ConditionInput {
  const g = i.generation;
  const out = (status: 'True' | 'False', reason: string, message: string): ConditionInput => ({
    type: 'Settled', status, reason, message, observedGeneration: g,
  });
  if (i.actorFailure !== undefined) return out('False', 'LimaVMActorFailed', i.actorFailure);
  const conds = i.vm?.status?.conditions;
  const created = findCondition(conds, 'Created');
  if (created?.status === 'False' && FAILED.test(created.reason)) return out('False', created.reason, created.message);
  if (created?.status === 'False' && created.reason === 'InstanceExists') return out('False', created.reason, created.message);
  if (!i.templateUpToDate) return out('False', 'ApplyingTemplate', 'Applying the configuration change to the VM');
  const running = findCondition(conds, 'Running');
  if (running?.status === 'False' && running.reason === 'StartFailed') return out('False', running.reason, running.message);
  if (!i.vm || !running) return out('False', 'WaitingForLimaVM', i.waitingFor ?? 'Waiting for LimaVM to report its state');
  // The VM has not acted on its latest spec yet (e.g. spec.running just flipped).
  if ((running.observedGeneration ?? 0) < i.vm.metadata.generation) {
    return out('False', running.reason, 'LimaVM has not yet observed its latest spec');
  }
  const forward = (target: string) =>
    out('False', running.reason, FAILED.test(running.reason) && running.message ? running.message : `LimaVM has not yet reached ${target}`);
  if (i.desiredRunning && running.status !== 'True') return forward('Started');
  if (!i.desiredRunning && running.reason !== 'Stopped') return forward('Stopped');
  return out('True', 'Settled', SETTLED_MESSAGE);
}
