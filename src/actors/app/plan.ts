// The App planner: one next action from (App, its namespace, VM `rd`, the ConfigMaps, the rendered
// template, now). Pure; the App actor performs the action and plans again (docs/controllers.md,
// "Reconcile order (live App)" and "Deletion (A3, A4, A6)").
import { isDeepStrictEqual } from 'node:util';
import {
  APP_VM_NAME,
  CLEANUP_FINALIZER,
  DEFAULT_APP_NAMESPACE,
  TEMPLATE_KEY,
  controllerOf,
  findCondition,
  hasFinalizer,
  isBeingDeleted,
  ownedByFinalizer,
  rfc3339,
  type App,
  type Condition,
  type ConfigMap,
  type LimaVM,
  type Namespace,
} from '../../api/index.js';
import { none, type RuntimeAction } from '../reconciler.js';
import { computeSettled, mirrorConditions } from './settled.js';

export type AppOp =
  | { readonly kind: 'choosePort' }
  | { readonly kind: 'createVM'; readonly template: string }
  | { readonly kind: 'syncTemplate'; readonly template: string; readonly configMap: string };

/** The App's own steps; the runtime performs the rest of AppAction (none, op). */
export type AppStep =
  | { readonly kind: 'addCleanupFinalizer' }
  | { readonly kind: 'removeCleanupFinalizer' }
  | { readonly kind: 'createNamespace'; readonly name: string }
  | { readonly kind: 'ensureInputConfigMap'; readonly template: string }
  | { readonly kind: 'deleteInputConfigMap' }
  | { readonly kind: 'setVMRunning'; readonly running: boolean }
  | { readonly kind: 'releaseVM' }
  | { readonly kind: 'deleteVM' }
  | { readonly kind: 'deleteOwned' }
  | { readonly kind: 'deleteNamespace'; readonly name: string }
  /** Keep a namespace the App made but others now use: drop the App's owner reference, so nothing cascades into it. */
  | { readonly kind: 'releaseNamespace'; readonly name: string }
  | { readonly kind: 'status'; readonly why: string; readonly conditions: Condition[]; readonly kubernetesPort?: number };

export type AppAction = AppStep | RuntimeAction<AppOp>;

export interface AppPlanInput {
  readonly app: App;
  readonly namespace: Namespace | undefined;
  /** LimaVM `rd` in the App's namespace. */
  readonly vm: LimaVM | undefined;
  /** The input ConfigMap `rd` (temporary: deleted once the VM exists). */
  readonly inputCM: ConfigMap | undefined;
  /** The VM's template ConfigMap (`rd-template`), once the VM reported it. */
  readonly templateCM: ConfigMap | undefined;
  /** The desired template; undefined while the Kubernetes port is still to be chosen. */
  readonly rendered: string | undefined;
  /** Objects owned by the App other than the VM, the input ConfigMap and the namespace. */
  readonly ownedCount: number;
  /** Nothing but App-owned objects lives in the namespace. */
  readonly namespaceEmpty: boolean;
  readonly op: AppOp | undefined;
  readonly now: number;
  readonly childTeardownMs: number;
  /** What the App's own actor failure bookkeeping says (a crashed VM actor), if anything. */
  readonly childFailure?: string;
  /** The last failed create of the VM (e.g. its template was rejected), until the next attempt. */
  readonly createError?: string;
  /**
   * An object the App needs (LimaVM `rd`, the input ConfigMap `rd`, `rd-template`) exists but is
   * not controlled by this App: the App never changes, adopts or deletes it.
   */
  readonly conflict?: NameConflict;
  /** The last failed step (a rejected write or template sync) at the App's current generation, until its retry. */
  readonly stepFailure?: StepFailure;
  /** No VM create before this time (backoff after a failed create). */
  readonly retryAt?: number;
  /** A Kubernetes API port the actor chose (fold.ts) that the status does not record yet. */
  readonly chosenPort?: number;
}

export interface NameConflict {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly deleting: boolean;
}

export interface StepFailure {
  readonly reason: string;
  readonly message: string;
  readonly retryAt: number;
}

export function nameConflictMessage(c: NameConflict): string {
  const what = `${c.kind} ${c.namespace}/${c.name}`;
  if (c.deleting) return `${what} is not controlled by this App and is being deleted; the App creates its own once it is gone`;
  const fix = c.kind === 'LimaVM' ? `rdd limavm delete ${c.name} -n ${c.namespace}` : `rdd ctl delete configmap ${c.name} -n ${c.namespace}`;
  return `${what} already exists and is not controlled by this App, which never changes or deletes it; ` +
    `delete or rename it (e.g. ${fix}) so the App can create its own`;
}

/** The VM's Deleting message without its retry counter, so the App's condition is written once, not per attempt. */
export function teardownCause(message: string): string {
  return message.replace(/ \(attempt \d+; retrying in [^)]*\)$/, '');
}

const OWNED_BY_APP = ownedByFinalizer('App');

export function appNamespace(app: App): string {
  return app.spec.namespace || DEFAULT_APP_NAMESPACE;
}

export function planApp(i: AppPlanInput): AppAction {
  return isBeingDeleted(i.app) ? planAppDeletion(i) : planAppLive(i);
}

function planAppDeletion(i: AppPlanInput): AppAction {
  const { app, vm, inputCM, namespace, now } = i;
  if (i.op?.kind === 'createVM') return none('a VM create is in flight; deleting it once it lands');
  if (i.stepFailure && now < i.stepFailure.retryAt) {
    const conds = setOwn(app, {
      type: 'Deleting', status: 'False', reason: i.stepFailure.reason, message: i.stepFailure.message, observedGeneration: app.metadata.generation,
    }, now);
    if (conds) return { kind: 'status', why: 'deletion step failed', conditions: conds };
    return none('deletion step failed; retrying', i.stepFailure.retryAt - now);
  }
  if (vm) {
    // Release first, whether or not the VM is already Terminating: the App never holds it hostage.
    if (hasFinalizer(vm, OWNED_BY_APP)) return { kind: 'releaseVM' };
    if (!isBeingDeleted(vm)) return { kind: 'deleteVM' };
    const since = Date.parse(vm.metadata.deletionTimestamp ?? '');
    const waited = Number.isFinite(since) ? now - since : 0;
    if (waited > i.childTeardownMs) {
      // No elapsed time and no attempt counter in the message: the condition is written once.
      const vmDeleting = findCondition(vm.status?.conditions, 'Deleting');
      const detail = vmDeleting ? `: ${teardownCause(vmDeleting.message)}` : '';
      const conds = setOwn(app, {
        type: 'Deleting',
        status: 'False',
        reason: 'ChildTeardownStuck',
        message: `LimaVM ${vm.metadata.namespace ?? ''}/${vm.metadata.name} has not finished its teardown within ${Math.round(i.childTeardownMs / 1000)}s${detail}; still retrying`,
        observedGeneration: app.metadata.generation,
      }, now);
      if (conds) return { kind: 'status', why: 'child teardown stuck', conditions: conds };
      return none('waiting for the stuck LimaVM teardown', 5_000);
    }
    return none('waiting for the LimaVM to be gone', Math.max(1_000, i.childTeardownMs - waited + 1));
  }
  if (inputCM) return { kind: 'deleteInputConfigMap' };
  if (i.ownedCount > 0) return { kind: 'deleteOwned' };
  if (namespace && !isBeingDeleted(namespace) && controllerOf(namespace)?.uid === app.metadata.uid) {
    return i.namespaceEmpty
      ? { kind: 'deleteNamespace', name: namespace.metadata.name }
      : { kind: 'releaseNamespace', name: namespace.metadata.name };
  }
  if (hasFinalizer(app, CLEANUP_FINALIZER)) return { kind: 'removeCleanupFinalizer' };
  return none('waiting for the App to disappear');
}

function planAppLive(i: AppPlanInput): AppAction {
  const { app, namespace, vm, inputCM, templateCM, rendered, op } = i;
  const k8s = app.spec.kubernetes?.enabled === true;
  const port = app.status?.kubernetesPort ?? 0;
  // A port just chosen is written before any other step, and only while the status has none:
  // once recorded it never changes (docs/controllers.md, "Reconcile order (live App)", item 4).
  if (k8s && port === 0 && i.chosenPort !== undefined) return statusWith(i, i.chosenPort);
  if (!hasFinalizer(app, CLEANUP_FINALIZER)) return { kind: 'addCleanupFinalizer' };
  const ns = appNamespace(app);
  if (!namespace) return { kind: 'createNamespace', name: ns };
  if (isBeingDeleted(namespace)) {
    return statusIfChanged(i, undefined, `namespace "${ns}" is being deleted; delete the App resource instead`);
  }
  // A foreign object with our name: report it and wait for it to change (the router tells us).
  if (i.conflict) return statusIfChanged(i, undefined, undefined, true, { reason: 'NameConflict', message: nameConflictMessage(i.conflict) });
  if (i.stepFailure && i.now < i.stepFailure.retryAt) {
    const st = statusIfChanged(i, vm && !isBeingDeleted(vm) ? vm : undefined, undefined, true, i.stepFailure);
    return st.kind === 'status' ? st : none('a step failed; retrying', i.stepFailure.retryAt - i.now);
  }

  if (vm && isBeingDeleted(vm)) {
    // The guard was bypassed: let the VM go, then recreate it (never mirror a dying VM's state).
    if (hasFinalizer(vm, OWNED_BY_APP)) return { kind: 'releaseVM' };
    return statusIfChanged(i, undefined, `LimaVM "${APP_VM_NAME}" is being deleted; it will be recreated once it is gone`);
  }

  if (k8s && port === 0) return op?.kind === 'choosePort' ? none('choosing a port') : { kind: 'op', op: { kind: 'choosePort' } };
  if (!k8s && port !== 0) return statusWith(i, 0);
  if (rendered === undefined) return none('template not renderable yet');

  if (!vm) {
    if (op?.kind === 'createVM') return none('VM create in flight');
    if (i.createError !== undefined && i.retryAt !== undefined && i.now < i.retryAt) {
      const st = statusIfChanged(i, undefined, undefined, true, { reason: 'CreateFailed', message: i.createError });
      return st.kind === 'status' ? st : none('VM create backoff', i.retryAt - i.now);
    }
    if (inputCM?.data?.[TEMPLATE_KEY] !== rendered) return { kind: 'ensureInputConfigMap', template: rendered };
    return { kind: 'op', op: { kind: 'createVM', template: rendered } };
  }
  if (inputCM) return { kind: 'deleteInputConfigMap' };
  if (vm.spec.running && !app.spec.running) return { kind: 'setVMRunning', running: false };

  let templateUpToDate = true;
  const created = findCondition(vm.status?.conditions, 'Created')?.status === 'True';
  if (templateCM) {
    if (templateCM.data?.[TEMPLATE_KEY] !== rendered) {
      if (op?.kind === 'syncTemplate') return none('template sync in flight');
      return { kind: 'op', op: { kind: 'syncTemplate', template: rendered, configMap: templateCM.metadata.name } };
    }
    templateUpToDate = !created || templateCM.metadata.resourceVersion === vm.status?.observedTemplateResourceVersion;
  } else if (created) {
    templateUpToDate = false; // the VM reported no template ConfigMap yet
  }
  if (!vm.spec.running && app.spec.running) return { kind: 'setVMRunning', running: true };
  return statusIfChanged(i, vm, undefined, templateUpToDate);
}

function setOwn(app: App, c: Condition | Omit<Condition, 'lastTransitionTime'>, now: number): Condition[] | undefined {
  const conds = (app.status?.conditions ?? []).map((x) => ({ ...x }));
  const cur = conds.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason && cur.message === c.message && cur.observedGeneration === c.observedGeneration) {
    return undefined;
  }
  const ltt = cur && cur.status === c.status ? cur.lastTransitionTime : rfc3339(now);
  const next: Condition = { ...c, lastTransitionTime: ltt };
  return cur ? conds.map((x) => (x.type === c.type ? next : x)) : [...conds, next];
}

function statusWith(i: AppPlanInput, kubernetesPort: number): AppAction {
  return { kind: 'status', why: 'kubernetes port', conditions: (i.app.status?.conditions ?? []).map((c) => ({ ...c })), kubernetesPort };
}

/** Mirrors `vm` (or nothing), computes Settled, and returns a status action only if anything changed. */
function statusIfChanged(
  i: AppPlanInput,
  vm: LimaVM | undefined,
  waitingFor?: string,
  templateUpToDate = true,
  failure?: { reason: string; message: string },
): AppAction {
  const { app, now } = i;
  const gen = app.metadata.generation;
  let conds = mirrorConditions(app.status?.conditions ?? [], vm, gen).filter((c) => c.type !== 'Deleting');
  const settled = failure
    ? { type: 'Settled', status: 'False' as const, reason: failure.reason, message: failure.message, observedGeneration: gen }
    : computeSettled({
    generation: gen,
    desiredRunning: app.spec.running,
    templateUpToDate,
    vm,
    ...(i.childFailure !== undefined ? { actorFailure: i.childFailure } : {}),
    ...(waitingFor !== undefined ? { waitingFor } : {}),
  });
  const withSettled = setOwn({ ...app, status: { ...app.status, conditions: conds } }, settled, now);
  if (withSettled) conds = withSettled;
  // Structural, not textual: the store hands conditions back with their keys in another order.
  if (isDeepStrictEqual(conds, app.status?.conditions ?? [])) return none('steady');
  return { kind: 'status', why: 'conditions changed', conditions: conds };
}
