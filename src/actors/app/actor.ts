// The App actor: the singleton that owns its VM. It writes the App's status and cleanup finalizer,
// creates and owns LimaVM `rd` (spawning that VM's actor as its child), keeps the VM's template in
// sync with the App spec, and tears everything down on deletion without ever deadlocking.
import {
  APP_KIND,
  APP_VM_NAME,
  CONFIGMAP_KIND,
  LIMAVM_KIND,
  NAMESPACE_KIND,
  controllerOf,
  isBeingDeleted,
  templateConfigMapName,
  type ApiError,
  type App,
  type ConfigMap,
  type LimaVM,
  type Namespace,
} from '../../api/index.js';
import type { ActorContext, Behavior, Result } from '../../supervisor/types.js';
import { limaVMBehavior } from '../limavm/actor.js';
import { ResourceChildren, reconciler, runtimeState } from '../reconciler.js';
import { apply, namespaceEmpty, ownedLeftovers, runAppOp } from './apply.js';
import { foldApp } from './fold.js';
import type { AppActorDeps, AppMsg, AppState } from './config.js';
import { appNamespace, planApp, type AppAction, type AppOp, type AppPlanInput, type AppStep, type NameConflict } from './plan.js';
import { renderAppTemplate } from './template.js';

export { defaultAppConfig, type AppActorDeps, type AppConfig, type AppMsg } from './config.js';

export function appBehavior(uid: string, name: string, deps: AppActorDeps): Behavior<AppState, AppMsg> {
  const { store, registry } = deps;

  const readApp = (): App | undefined => {
    const o = store.get(APP_KIND, '', name);
    return o && o.metadata.uid === uid ? (o as App) : undefined;
  };

  /** Renders the template only when the spec or the port changed (it reads and parses YAML). */
  function render(s: AppState, app: App, port: number): string {
    const key = JSON.stringify([app.spec, port]);
    if (s.rendered?.key !== key) s.rendered = { key, text: renderAppTemplate({ ...deps.instance, spec: app.spec, kubernetesPort: port }) };
    return s.rendered.text;
  }

  /**
   * The objects the App works with, found by name but taken only when their controller
   * ownerReference carries the App's uid (the VM's, for its template). A foreign object with one
   * of these names is reported as a conflict while it blocks the App, and never touched.
   */
  function ownedObjects(app: App, ns: string): {
    vm: LimaVM | undefined; inputCM: ConfigMap | undefined; templateCM: ConfigMap | undefined; conflict: NameConflict | undefined;
  } {
    const appUid = app.metadata.uid;
    const conflictOf = (o: { kind: string; metadata: LimaVM['metadata'] }): NameConflict =>
      ({ kind: o.kind, namespace: ns, name: o.metadata.name, deleting: isBeingDeleted(o) });
    const anyVm = store.get(LIMAVM_KIND, ns, APP_VM_NAME) as LimaVM | undefined;
    const vm = anyVm && controllerOf(anyVm)?.uid === appUid ? anyVm : undefined;
    const anyInput = store.get(CONFIGMAP_KIND, ns, APP_VM_NAME) as ConfigMap | undefined;
    const inputCM = anyInput && controllerOf(anyInput)?.uid === appUid ? anyInput : undefined;
    const tcmName = templateConfigMapName(APP_VM_NAME);
    const anyTemplate = store.get(CONFIGMAP_KIND, ns, tcmName) as ConfigMap | undefined;
    let templateCM: ConfigMap | undefined;
    let conflict: NameConflict | undefined;
    if (anyVm && !vm) conflict = conflictOf(anyVm);
    else if (!vm) {
      // Without our VM, an input ConfigMap or template of someone else would be used or clobbered by the create.
      if (anyInput && !inputCM) conflict = conflictOf(anyInput);
      else if (anyTemplate) conflict = conflictOf(anyTemplate);
    } else if (anyTemplate && vm.status?.templateConfigMap === tcmName) {
      const owner = controllerOf(anyTemplate)?.uid;
      // No controller yet: admission made it for our VM, whose actor takes it as controller next.
      if (owner === vm.metadata.uid) templateCM = anyTemplate;
      else if (owner !== undefined) conflict = conflictOf(anyTemplate);
    }
    return { vm, inputCM, templateCM, conflict };
  }

  /** Everything the planner needs besides the actor's memory and the time. */
  type Observed = Omit<AppPlanInput, 'op' | 'now' | 'childFailure' | 'stepFailure' | 'createError' | 'retryAt'>;

  /** The App read by the current pass, for the failure report of a step. */
  let current: App | undefined;

  function observe(s: AppState, ctx: ActorContext<AppMsg>): Observed | undefined {
    current = undefined;
    const app = readApp();
    if (!app) return undefined;
    current = app;
    const ns = appNamespace(app);
    const { vm, inputCM, templateCM, conflict } = ownedObjects(app, ns);
    syncChild(s, ctx, vm);
    const namespace = store.get(NAMESPACE_KIND, '', ns) as Namespace | undefined;
    const deleting = app.metadata.deletionTimestamp !== undefined;
    const owned = deleting ? ownedLeftovers(store, app, ns) : [];
    const k8s = app.spec.kubernetes?.enabled === true;
    const port = app.status?.kubernetesPort ?? 0;
    const rendered = k8s && port === 0 ? undefined : render(s, app, port);
    // A failure belongs to the generation it happened at (a spec edit tries again at once), except while deleting.
    if (s.stepFailure && !deleting && s.stepFailure.generation !== app.metadata.generation) s.stepFailure = undefined;
    // A chosen port is kept only while it is still to be written (Kubernetes on, no port recorded).
    if (!k8s || port !== 0) s.chosenPort = undefined;
    return {
      app, namespace, vm, inputCM, templateCM, rendered,
      ownedCount: owned.length,
      namespaceEmpty: deleting ? namespaceEmpty(store, ns, app.metadata.uid) : false,
      childTeardownMs: deps.cfg.childTeardownMs,
      ...(conflict && !deleting ? { conflict } : {}),
    };
  }

  function plan(o: Observed, s: AppState, now: number): AppAction {
    const childFailure = o.vm ? s.children.failure(o.vm.metadata.uid, o.vm.metadata.generation) : undefined;
    return planApp({
      ...o,
      op: s.operation?.op,
      now,
      ...(childFailure ? { childFailure } : {}),
      ...(s.stepFailure ? { stepFailure: s.stepFailure } : {}),
      ...(s.createError !== undefined ? { createError: s.createError } : {}),
      ...(s.retryAt !== undefined ? { retryAt: s.retryAt } : {}),
      ...(s.chosenPort !== undefined ? { chosenPort: s.chosenPort } : {}),
    });
  }

  function failed(s: AppState, ctx: ActorContext<AppMsg>, e: ApiError, action: AppAction | undefined, delay: number): boolean {
    const failedStep = action?.kind ?? 'read';
    ctx.log.warn({ err: e.message, code: e.code, action: failedStep, retryInMs: delay }, 'App reconcile step failed; will retry');
    s.stepFailure = {
      action: failedStep,
      generation: current?.metadata.generation ?? 0,
      retryAt: ctx.now() + delay,
      ...stepFailureText(failedStep, e.message, current ? appNamespace(current) : ''),
    };
    // Plan once more to write the failure as a condition (unless writing the status is what failed).
    return failedStep !== 'status';
  }

  /** Takes an operation's result into the App's memory (fold.ts); the planner decides what to write. */
  function fold(s: AppState, ctx: ActorContext<AppMsg>, op: AppOp, r: Result<unknown>): void {
    const app = readApp();
    if (!app) return;
    const { createError, retryAt, stepFailure, chosenPort } = s;
    const f = foldApp({ attempts: s.attempts, createError, retryAt, stepFailure, chosenPort }, op, r, {
      app, now: ctx.now(), backoff: deps.cfg.backoff, random: deps.random,
    });
    Object.assign(s, f.memory);
    for (const l of f.log) ctx.log[l.level](l.fields, l.msg);
  }

  /**
   * One VM actor per VM object the App controls (by uid), as this actor's child; it lives until its
   * object is gone. Children are kept by uid, so a recreated `rd` never loses track of the old one's actor.
   */
  function syncChild(s: AppState, ctx: ActorContext<AppMsg>, vm: LimaVM | undefined): void {
    if (!vm || s.children.has(vm.metadata.uid)) return;
    const vuid = vm.metadata.uid;
    const self = ctx.self;
    s.children.ensure(ctx, vuid, vm.metadata.generation, () => ({
      name: `limavm-${vuid}`,
      restart: 'permanent',
      behavior: limaVMBehavior(
        { namespace: vm.metadata.namespace ?? '', name: vm.metadata.name, uid: vuid },
        { ...deps.vm, onGone: (gUid) => self.tell({ t: 'childGone', uid: gUid }) },
      ),
    }));
  }

  /** The generation of the App's VM now, if it still has this uid. */
  function vmGeneration(vmUid: string): number | undefined {
    const app = readApp();
    const vm = app ? store.get(LIMAVM_KIND, appNamespace(app), APP_VM_NAME) : undefined;
    return vm?.metadata.uid === vmUid ? vm.metadata.generation : undefined;
  }

  return reconciler<AppState, Extract<AppMsg, { t: 'childGone' }>, Observed, AppStep, AppOp, unknown>({
    uid,
    registry,
    backoff: deps.cfg.backoff,
    random: deps.random,
    onGone: deps.onGone,
    init: () => ({ ...runtimeState<AppOp>(), uid, children: new ResourceChildren() }),
    observe,
    plan,
    apply: (_s, ctx, o, a) => apply(deps, ctx, o.app, a),
    run(_s, _ctx, op, signal) {
      // Started in the pass that just read the App, so it exists.
      const app = readApp();
      return app ? runAppOp(deps, op, app, signal) : Promise.reject(new Error(`App "${name}" is gone`));
    },
    fold,
    failed,
    succeeded(s, a) {
      if (s.stepFailure?.action === a.kind) s.stepFailure = undefined;
      s.attempts = 0;
    },
    receive(s, msg, ctx) {
      s.children.stopGone(ctx, msg.uid);
      return true;
    },
    onTerminated(s, ev, ctx) {
      const message = (err: string) => `the LimaVM actor failed repeatedly and was stopped: ${err}; edit the App or the LimaVM spec to try again`;
      const child = s.children.terminated(ev, vmGeneration, message);
      if (!child) return false;
      if (child.error !== undefined) ctx.log.error({ child: ev.path, err: child.error }, 'VM actor exhausted its restart intensity');
      return true;
    },
  }).behavior;
}

/** The reason and message of a failed reconcile step, by what the step was doing. */
function stepFailureText(action: string, err: string, ns: string): { reason: string; message: string } {
  switch (action) {
    case 'ensureInputConfigMap':
      return { reason: 'TemplateSyncFailed', message: `cannot write the App's template to ConfigMap ${ns}/${APP_VM_NAME}: ${err}` };
    case 'read':
      return { reason: 'ReconcileFailed', message: `cannot read the App's objects: ${err}; retrying` };
    default:
      return { reason: 'ReconcileFailed', message: `${action} failed: ${err}; retrying` };
  }
}
