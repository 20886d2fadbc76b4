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
  isApiError,
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
import { appNamespace, planApp, type AppAction } from './plan.js';
import { renderAppTemplate } from './template.js';

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

  function reconcile(s: AppState, ctx: ActorContext<AppMsg>): void {
    if (s.gone) return;
    ctx.timers.cancel('requeue');
    for (let step = 0; step < MAX_STEPS; step++) {
      let action: AppAction;
      let app: App | undefined;
      try {
        app = readApp();
        if (!app) {
          gone(s, ctx);
          return;
        }
        const ns = appNamespace(app);
        const vm = store.get(LIMAVM_KIND, ns, APP_VM_NAME) as LimaVM | undefined;
        syncChild(s, ctx, vm);
        const inputCM = store.get(CONFIGMAP_KIND, ns, APP_VM_NAME) as ConfigMap | undefined;
        const tcmName = vm?.status?.templateConfigMap;
        const templateCM = tcmName ? (store.get(CONFIGMAP_KIND, ns, tcmName) as ConfigMap | undefined) : undefined;
        const namespace = store.get(NAMESPACE_KIND, '', ns) as Namespace | undefined;
        const deleting = app.metadata.deletionTimestamp !== undefined;
        const owned = deleting ? ownedLeftovers(store, app, ns) : [];
        const k8s = app.spec.kubernetes?.enabled === true;
        const port = app.status?.kubernetesPort ?? 0;
        const rendered = k8s && port === 0 ? undefined : render(s, app, port);
        const childFailure = s.childFailure && vm && s.childFailure.uid === vm.metadata.uid && s.childFailure.generation === vm.metadata.generation
          ? s.childFailure.message
          : undefined;
        action = planApp({
          app, namespace, vm, inputCM, templateCM, rendered,
          ownedCount: owned.length,
          namespaceEmpty: deleting ? namespaceEmpty(store, ns, app.metadata.uid) : false,
          op: s.op,
          now: ctx.now(),
          childTeardownMs: deps.cfg.childTeardownMs,
          ...(childFailure ? { childFailure } : {}),
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
        s.attempts = 0;
      } catch (e) {
        // Expected failures (a transient store error, a rejected write) are retried; never skipped.
        if (!isApiError(e)) throw e;
        const delay = nextRetryDelay(s, deps.cfg.backoff, deps.random);
        ctx.log.warn({ err: e.message, code: e.code, retryInMs: delay }, 'App reconcile step failed; will retry');
        ctx.timers.once('requeue', { t: 'reconcile', cause: 'error' }, delay);
        return;
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
      ctx.log.warn({ op: msg.op.kind, err: r.error instanceof Error ? r.error.message : String(r.error), retryInMs: delay }, 'App operation failed');
      ctx.timers.once('requeue', { t: 'reconcile', cause: 'op failed' }, delay);
      return;
    }
    reconcile(s, ctx);
  }

  /** One VM actor per VM object (by uid), as this actor's child; it lives until its object is gone. */
  function syncChild(s: AppState, ctx: ActorContext<AppMsg>, vm: LimaVM | undefined): void {
    if (s.child && (!vm || vm.metadata.uid !== s.child.uid) && !registry.has(s.child.uid)) s.child = undefined;
    if (!vm || s.child?.uid === vm.metadata.uid) return;
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
    s.child = { uid: vuid, ref };
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
      return { uid, opId: 0, attempts: 0, gone: false };
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
        case 'childGone':
          if (s.child?.uid === msg.uid) {
            void ctx.stop(s.child.ref as ActorRef<never>, { reason: 'deleted' });
            s.child = undefined;
          }
          reconcile(s, ctx);
          break;
      }
      return s;
    },
    onTerminated(s, ev, ctx) {
      if (s.child && ev.ref === (s.child.ref as unknown)) {
        const childUid = s.child.uid;
        s.child = undefined;
        if (typeof ev.reason === 'object') {
          const vm = store.get(LIMAVM_KIND, appNamespace(readApp() ?? ({ spec: {} } as App)), APP_VM_NAME);
          const message = `the LimaVM actor failed repeatedly and was stopped: ${String((ev.reason.error as Error)?.message ?? ev.reason.error)}`;
          s.childFailure = { uid: childUid, generation: vm?.metadata.generation ?? 0, message };
          ctx.log.error({ child: ev.path, err: message }, 'VM actor exhausted its restart intensity');
        }
        reconcile(s, ctx);
      }
      return s;
    },
    finalize(_s, _reason, _signal, ctx) {
      registry.unregister(uid, ctx.self);
    },
  };
}
