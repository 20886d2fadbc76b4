// The App actor's fold: what an operation's result changes in the actor's memory. Pure, like the
// planner (docs/controllers.md, "The reconcile runtime"): the actor keeps the memory it returns and
// logs its lines; every status write, the chosen Kubernetes port's included, is planned by plan.ts.
import { APP_VM_NAME, isApiError, type App } from '../../api/index.js';
import type { Result } from '../../supervisor/types.js';
import { requeueDelay, type RequeueBackoff } from '../backoff.js';
import type { LogLine } from '../limavm/fold.js';
import { failureText } from '../limavm/ops.js';
import { appNamespace, type AppOp } from './plan.js';

/** A failed step or operation, written as a condition at `generation` and retried at `retryAt`. */
export interface AppStepFailure {
  readonly action: string;
  readonly generation: number;
  readonly reason: string;
  readonly message: string;
  readonly retryAt: number;
}

/** The part of the App actor's memory a fold changes. */
export interface AppMemory {
  /** Consecutive failed attempts (the requeue backoff's counter). */
  readonly attempts: number;
  /** The last failed create of the VM, until one succeeds. */
  readonly createError: string | undefined;
  /** No VM create before this time. */
  readonly retryAt: number | undefined;
  readonly stepFailure: AppStepFailure | undefined;
  /** The Kubernetes API port chosen for an App whose status has none yet; the planner writes it. */
  readonly chosenPort: number | undefined;
}

export interface AppFoldContext {
  /** The App now (the fold is not called once it is gone). */
  readonly app: App;
  readonly now: number;
  readonly backoff: RequeueBackoff;
  readonly random: () => number;
}

export interface AppFolded {
  readonly memory: AppMemory;
  readonly log: readonly LogLine[];
}

/** One more failed attempt: its count and the delay before the next one. */
function retry(m: AppMemory, c: AppFoldContext): { attempts: number; delay: number } {
  const attempts = m.attempts + 1;
  return { attempts, delay: requeueDelay(attempts, c.backoff, c.random) };
}

/** Takes an operation's result into the App's memory. */
export function foldApp(m: AppMemory, op: AppOp, r: Result<unknown>, c: AppFoldContext): AppFolded {
  if (op.kind === 'choosePort' && r.ok) {
    const port = r.value;
    if (typeof port !== 'number') throw new Error(`choosePort returned ${typeof port}, not a port number`);
    // Kept in memory only: a crash before the planner writes it chooses again, and the port's
    // claim (port.ts) hands back the same port.
    return { memory: { ...m, chosenPort: port }, log: [{ level: 'info', fields: { port }, msg: 'chose the Kubernetes API port' }] };
  }
  if (op.kind === 'createVM') {
    if (r.ok) {
      return { memory: { ...m, createError: undefined, retryAt: undefined, attempts: 0 }, log: [{ level: 'info', fields: {}, msg: 'created the LimaVM' }] };
    }
    const { attempts, delay } = retry(m, c);
    const text = failureText(r.error);
    return {
      memory: { ...m, attempts, retryAt: c.now + delay, createError: `failed to create LimaVM "${APP_VM_NAME}": ${text}` },
      log: [{ level: 'warn', fields: { err: text, retryInMs: delay }, msg: 'LimaVM create failed' }],
    };
  }
  if (!r.ok) {
    const { attempts, delay } = retry(m, c);
    const text = failureText(r.error);
    // Written as a condition at the current generation, so `rdd set` and waits fail fast.
    const stepFailure: AppStepFailure = {
      action: `op:${op.kind}`,
      generation: c.app.metadata.generation,
      retryAt: c.now + delay,
      ...opFailureText(op, r.error, text, appNamespace(c.app)),
    };
    return { memory: { ...m, attempts, stepFailure }, log: [{ level: 'warn', fields: { op: op.kind, err: text, retryInMs: delay }, msg: 'App operation failed' }] };
  }
  if (m.stepFailure?.action === `op:${op.kind}`) return { memory: { ...m, stepFailure: undefined }, log: [] };
  return { memory: m, log: [] };
}

function opFailureText(op: AppOp, error: unknown, text: string, ns: string): { reason: string; message: string } {
  if (op.kind === 'syncTemplate') {
    // 422 is Lima (or the ConfigMap validator) rejecting the text; anything else is a failed write.
    const invalid = isApiError(error) && error.code === 422;
    return {
      reason: invalid ? 'TemplateInvalid' : 'TemplateSyncFailed',
      message: invalid
        ? `Lima rejects the App's template: ${text}; change the App spec (rdd set) to a configuration Lima accepts`
        : `cannot update ConfigMap ${ns}/${op.configMap} with the App's template: ${text}; retrying`,
    };
  }
  return { reason: 'ReconcileFailed', message: `${op.kind} failed: ${text}; retrying` };
}
