// The App actor: the singleton that owns its VM. It writes the App's status and cleanup finalizer,
// creates and owns LimaVM `rd` (spawning that VM's actor as its child), keeps the VM's template in
// sync with the App spec, and tears everything down on deletion without ever deadlocking.
import {
  APP_KIND,
  APP_VM_NAME,
  CONFIGMAP_KIND,
  LIMAVM_KIND,
  NAMESPACE_KIND,
  clone,
  controllerOf,
  isApiError,
  isBeingDeleted,
  type App,
  type ConfigMap,
  type LimaVM,
  type Namespace,
} from '../../api/index.js';
import type { ActorContext, ActorRef, Behavior } from '../../supervisor/types.js';
import { nextRetryDelay } from '../backoff.js';
import { limaVMBehavior } from '../limavm/actor.js';
import { apply, namespaceEmpty, ownedLeftovers } from './apply.js';
import type { AppActorDeps, AppMsg, AppState } from './config.js';
import { appNamespace, planApp, type AppAction, type AppOp, type NameConflict } from './plan.js';
import { renderAppTemplate } from './template.js';
import { templateConfigMapName } from '../limavm/plan.js';

export { defaultAppConfig, type AppActorDeps, type AppConfig, type AppMsg } from './config.js';

const MAX_STEPS = 25;

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
  function observe(app: App, ns: string): {
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

  function reconcile(s: AppState, ctx: ActorContext<AppMsg>): void {
    if (s.gone) return;
    ctx.timers.cancel('requeue');
    let recorded = false;
    for (let step = 0; step < MAX_STEPS; step++) {
      let action: AppAction | undefined;
      let app: App | undefined;
      try {
        app = readApp();
        if (!app) {
          gone(s, ctx);
          return;
        }
        const ns = appNamespace(app);
        const { vm, inputCM, templateCM, conflict } = observe(app, ns);
        syncChild(s, ctx, vm);
        const namespace = store.get(NAMESPACE_KIND, '', ns) as Namespace | undefined;
        const deleting = app.metadata.deletionTimestamp !== undefined;
        const owned = deleting ? ownedLeftovers(store, app, ns) : [];
        const k8s = app.spec.kubernetes?.enabled === true;
        const port = app.status?.kubernetesPort ?? 0;
        const rendered = k8s && port === 0 ? undefined : render(s, app, port);
        const childFailure = s.childFailure && vm && s.childFailure.uid === vm.metadata.uid && s.childFailure.generation === vm.metadata.generation
          ? s.childFailure.message
          : undefined;
        // A failure belongs to the generation it happened at (a spec edit tries again at once), except while deleting.
        if (s.stepFailure && !deleting && s.stepFailure.generation !== app.metadata.generation) s.stepFailure = undefined;
        action = planApp({
          app, namespace, vm, inputCM, templateCM, rendered,
          ownedCount: owned.length,
          namespaceEmpty: deleting ? namespaceEmpty(store, ns, app.metadata.uid) : false,
          op: s.op,
          now: ctx.now(),
          childTeardownMs: deps.cfg.childTeardownMs,
          ...(childFailure ? { childFailure } : {}),
          ...(conflict && !deleting ? { conflict } : {}),
          ...(s.stepFailure ? { stepFailure: s.stepFailure } : {}),
          ...(s.createError !== undefined ? { createError: s.createError } : {}),
          ...(s.retryAt !== undefined ? { retryAt: s.retryAt } : {}),
        });
        if (action.kind === 'none') {
          ctx.log.trace({ why: action.why }, 'reconcile: nothing to do');
          if (action.requeueAfterMs !== undefined) ctx.timers.once('requeue', { t: 'reconcile', cause: action.why }, action.requeueAfterMs);
          return;
        }
        ctx.log.debug({ action: action.kind }, 'reconcile step');
        if (!apply(deps, s, ctx, app, action)) return;
        if (s.stepFailure?.action === action.kind) s.stepFailure = undefined;
        s.attempts = 0;
      } catch (e) {
        // Expected failures (a transient store error, a rejected write) become a condition and are
        // retried with backoff; never logged and skipped.
        if (!isApiError(e)) throw e;
        const delay = nextRetryDelay(s, deps.cfg.backoff, deps.random);
        const failed = action?.kind ?? 'read';
        ctx.log.warn({ err: e.message, code: e.code, action: failed, retryInMs: delay }, 'App reconcile step failed; will retry');
        s.stepFailure = {
          action: failed,
          generation: app?.metadata.generation ?? 0,
          retryAt: ctx.now() + delay,
          ...stepFailureText(failed, e.message, app ? appNamespace(app) : ''),
        };
        ctx.timers.once('requeue', { t: 'reconcile', cause: 'error' }, delay);
        // Plan once more to write the failure as a condition; a second failure in this pass waits.
        if (recorded || failed === 'status') return;
        recorded = true;
      }
    }
    ctx.timers.once('requeue', { t: 'reconcile', cause: 'unsettled' }, 1000);
  }

  function onOpDone(s: AppState, ctx: ActorContext<AppMsg>, msg: Extract<AppMsg, { t: 'opDone' }>): void {
    if (msg.id !== s.opId) return;
    s.op = undefined;
    const app = readApp();
    if (!app) {
      gone(s, ctx);
      return;
    }
    const r = msg.result;
    if (msg.op.kind === 'choosePort' && r.ok) {
      const port = r.value as number;
      const fresh = clone(app);
      if (!fresh.status?.kubernetesPort) {
        store.updateStatus({ ...fresh, status: { ...(fresh.status ?? {}), kubernetesPort: port } });
        ctx.log.info({ port }, 'chose the Kubernetes API port');
      }
    } else if (msg.op.kind === 'createVM') {
      if (r.ok) {
        s.createError = undefined;
        s.retryAt = undefined;
        s.attempts = 0;
        ctx.log.info('created the LimaVM');
      } else {
        const delay = nextRetryDelay(s, deps.cfg.backoff, deps.random);
        s.retryAt = ctx.now() + delay;
        const text = r.error instanceof Error ? r.error.message : String(r.error);
        s.createError = `failed to create LimaVM "${APP_VM_NAME}": ${text}`;
        ctx.log.warn({ err: text, retryInMs: delay }, 'LimaVM create failed');
      }
    } else if (!r.ok) {
      const delay = nextRetryDelay(s, deps.cfg.backoff, deps.random);
      const text = r.error instanceof Error ? r.error.message : String(r.error);
      ctx.log.warn({ op: msg.op.kind, err: text, retryInMs: delay }, 'App operation failed');
      // Written as a condition at the current generation, so `rdd set` and waits fail fast.
      s.stepFailure = {
        action: `op:${msg.op.kind}`,
        generation: app.metadata.generation,
        retryAt: ctx.now() + delay,
        ...opFailureText(msg.op, r.error, text, appNamespace(app)),
      };
    } else if (s.stepFailure?.action === `op:${msg.op.kind}`) {
      s.stepFailure = undefined;
    }
    reconcile(s, ctx);
  }

  /**
   * One VM actor per VM object the App controls (by uid), as this actor's child; it lives until its
   * object is gone. Children are kept by uid, so a recreated `rd` never loses track of the old one's actor.
   */
  function syncChild(s: AppState, ctx: ActorContext<AppMsg>, vm: LimaVM | undefined): void {
    if (!vm || s.children.has(vm.metadata.uid)) return;
    const vuid = vm.metadata.uid;
    if (s.childFailure?.uid === vuid && s.childFailure.generation === vm.metadata.generation) return;
    const self = ctx.self;
    const ref = ctx.spawn({
      name: `limavm-${vuid}`,
      restart: 'permanent',
      behavior: limaVMBehavior(
        { namespace: vm.metadata.namespace ?? '', name: vm.metadata.name, uid: vuid },
        { ...deps.vm, onGone: (gUid) => self.tell({ t: 'childGone', uid: gUid }) },
      ),
    });
    ctx.watch(ref as ActorRef<never>);
    s.children.set(vuid, ref);
  }

  function gone(s: AppState, ctx: ActorContext<AppMsg>): void {
    if (s.gone) return;
    s.gone = true;
    registry.unregister(uid, ctx.self);
    deps.onGone(uid, ctx.self);
  }

  return {
    init(ctx) {
      registry.register(uid, ctx.self);
      ctx.self.tell({ t: 'reconcile', cause: 'init' });
      return { uid, opId: 0, attempts: 0, gone: false, children: new Map() };
    },
    receive(s, msg, ctx) {
      switch (msg.t) {
        case 'changed':
          registry.taken(uid);
          reconcile(s, ctx);
          break;
        case 'reconcile':
          reconcile(s, ctx);
          break;
        case 'opDone':
          onOpDone(s, ctx, msg);
          break;
        case 'childGone': {
          const ref = s.children.get(msg.uid);
          if (ref) {
            s.children.delete(msg.uid);
            void ctx.stop(ref as ActorRef<never>, { reason: 'deleted' });
          }
          reconcile(s, ctx);
          break;
        }
      }
      return s;
    },
    onTerminated(s, ev, ctx) {
      const entry = [...s.children].find(([, ref]) => ev.ref === (ref as unknown));
      if (!entry) return s;
      const [childUid] = entry;
      s.children.delete(childUid);
      if (typeof ev.reason === 'object') {
        const app = readApp();
        const vm = app ? store.get(LIMAVM_KIND, appNamespace(app), APP_VM_NAME) : undefined;
        const err = ev.reason.error instanceof Error ? ev.reason.error.message : String(ev.reason.error);
        const message = `the LimaVM actor failed repeatedly and was stopped: ${err}; edit the App or the LimaVM spec to try again`;
        s.childFailure = { uid: childUid, generation: vm?.metadata.uid === childUid ? vm.metadata.generation : 0, message };
        ctx.log.error({ child: ev.path, err }, 'VM actor exhausted its restart intensity');
      }
      reconcile(s, ctx);
      return s;
    },
    finalize(_s, _reason, _signal, ctx) {
      registry.unregister(uid, ctx.self);
    },
  };
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
