// The App actor: the singleton that owns its VM. It writes the App's status and cleanup finalizer,
// creates and owns LimaVM `rd` (spawning that VM's actor as its child), keeps the VM's template in
// sync with the App spec, and tears everything down on deletion without ever deadlocking.
import {
  APP_VM_NAME,
  CLEANUP_FINALIZER,
  CONFIGMAP_KIND,
  CORE_API_VERSION,
  CREATED_BY_LABEL,
  LIMAVM_API_VERSION,
  LIMAVM_KIND,
  NAMESPACE_KIND,
  APP_KIND,
  addFinalizer,
  clone,
  isApiError,
  isNotFound,
  isAlreadyExists,
  ownedByFinalizer,
  removeFinalizer,
  type App,
  type ConfigMap,
  type LimaVM,
  type Namespace,
  type OwnerReference,
  type Resource,
} from '../../api/index.js';
import type { Api } from '../../admission/types.js';
import type { Store } from '../../store/types.js';
import type { ActorContext, ActorRef, Behavior, Result } from '../../supervisor/types.js';
import { requeueDelay, type RequeueBackoff } from '../backoff.js';
import type { ActorRegistry } from '../registry.js';
import { limaVMBehavior, type VmActorDeps } from '../limavm/actor.js';
import type { VmMsg } from '../limavm/messages.js';
import { appNamespace, planApp, type AppAction, type AppOp } from './plan.js';
import { choosePort } from './port.js';
import { preferredKubernetesPort, renderAppTemplate, type InstanceValues } from './template.js';

export type AppMsg =
  | { readonly t: 'changed' }
  | { readonly t: 'reconcile'; readonly cause: string }
  | { readonly t: 'opDone'; readonly id: number; readonly op: AppOp; readonly result: Result<unknown> }
  | { readonly t: 'childGone'; readonly uid: string }
  | { readonly t: 'inspect'; readonly reply: (s: unknown) => void };

export interface AppConfig {
  /** After this long waiting for the VM's teardown, Deleting=False/ChildTeardownStuck is raised. */
  readonly childTeardownMs: number;
  readonly backoff: RequeueBackoff;
}

export const defaultAppConfig: AppConfig = {
  childTeardownMs: 5 * 60_000,
  backoff: { minMs: 1_000, maxMs: 60_000, jitter: 0.2 },
};

export interface AppActorDeps {
  readonly store: Store;
  readonly api: Api;
  readonly registry: ActorRegistry<AppMsg>;
  readonly instance: InstanceValues;
  readonly cfg: AppConfig;
  readonly random: () => number;
  /** What a VM child actor needs (its onGone is wired here). */
  readonly vm: Omit<VmActorDeps, 'onGone'>;
  readonly onGone: (uid: string, self: ActorRef<AppMsg>) => void;
  /** Crash point for tests: SIGKILLs the process when RDD_FAULT_POINT names it. */
  readonly faultPoint?: (name: string) => void;
}

interface AppState {
  readonly uid: string;
  op?: AppOp;
  opId: number;
  child?: { readonly uid: string; readonly ref: ActorRef<VmMsg> };
  childFailure?: { readonly uid: string; readonly generation: number; readonly message: string };
  createError?: string;
  retryAt?: number;
  attempts: number;
  gone: boolean;
}

const OWNED_BY_APP = ownedByFinalizer(APP_KIND);
const MAX_STEPS = 25;

export function appBehavior(uid: string, name: string, deps: AppActorDeps): Behavior<AppState, AppMsg> {
  const { store, api, registry } = deps;

  const readApp = (): App | undefined => {
    const o = store.get(APP_KIND, '', name);
    return o && o.metadata.uid === uid ? (o as App) : undefined;
  };

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
        const owned = deleting ? ownedLeftovers(app, ns) : [];
        const k8s = app.spec.kubernetes?.enabled === true;
        const port = app.status?.kubernetesPort ?? 0;
        const rendered = k8s && port === 0 ? undefined : renderAppTemplate({ ...deps.instance, spec: app.spec, kubernetesPort: port });
        const childFailure = s.childFailure && vm && s.childFailure.uid === vm.metadata.uid && s.childFailure.generation === vm.metadata.generation
          ? s.childFailure.message
          : undefined;
        action = planApp({
          app, namespace, vm, inputCM, templateCM, rendered,
          ownedCount: owned.length,
          namespaceEmpty: deleting ? namespaceEmpty(ns, app.metadata.uid) : false,
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
        if (!apply(s, ctx, app, action)) return;
        s.attempts = 0;
      } catch (e) {
        // Expected failures (a transient store error, a rejected write) are retried; never skipped.
        if (!isApiError(e)) throw e;
        s.attempts += 1;
        const delay = requeueDelay(s.attempts, deps.cfg.backoff, deps.random);
        ctx.log.warn({ err: e.message, code: e.code, retryInMs: delay }, 'App reconcile step failed; will retry');
        ctx.timers.once('requeue', { t: 'reconcile', cause: 'error' }, delay);
        return;
      }
    }
    ctx.timers.once('requeue', { t: 'reconcile', cause: 'unsettled' }, 1000);
  }

  /** Everything the App owns besides the VM, the input ConfigMap and the namespace. */
  function ownedLeftovers(app: App, ns: string): Resource[] {
    return store.listOwnedBy(app.metadata.uid).filter(
      (o) => !(o.kind === LIMAVM_KIND && o.metadata.name === APP_VM_NAME && o.metadata.namespace === ns) &&
        !(o.kind === CONFIGMAP_KIND && o.metadata.name === APP_VM_NAME && o.metadata.namespace === ns) &&
        o.kind !== NAMESPACE_KIND,
    );
  }

  function namespaceEmpty(ns: string, appUid: string): boolean {
    for (const kind of [CONFIGMAP_KIND, LIMAVM_KIND]) {
      for (const o of store.list(kind, { namespace: ns }).items) {
        if (!o.metadata.ownerReferences?.some((r) => r.uid === appUid)) return false;
      }
    }
    return true;
  }

  function ownerRef(app: App): OwnerReference {
    return { apiVersion: app.apiVersion, kind: APP_KIND, name: app.metadata.name, uid: app.metadata.uid, controller: true, blockOwnerDeletion: true };
  }

  /** Performs one action; returns true to plan again at once. */
  function apply(s: AppState, ctx: ActorContext<AppMsg>, app: App, a: AppAction): boolean {
    const ns = appNamespace(app);
    switch (a.kind) {
      case 'none':
        return false;
      case 'addCleanupFinalizer': {
        const fresh = clone(app);
        addFinalizer(fresh, CLEANUP_FINALIZER);
        api.sync.update(fresh);
        return true;
      }
      case 'removeCleanupFinalizer': {
        const fresh = clone(app);
        removeFinalizer(fresh, CLEANUP_FINALIZER);
        api.sync.update(fresh);
        ctx.log.info('cleanup finalizer removed; the App is gone');
        return true;
      }
      case 'createNamespace':
        try {
          api.sync.create({
            apiVersion: CORE_API_VERSION,
            kind: NAMESPACE_KIND,
            metadata: { name: a.name, labels: { [CREATED_BY_LABEL]: 'App' }, ownerReferences: [ownerRef(app)] },
          });
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
        }
        return true;
      case 'op':
        startOp(s, ctx, a.op, app);
        return false;
      case 'ensureInputConfigMap': {
        const existing = store.get(CONFIGMAP_KIND, ns, APP_VM_NAME);
        if (existing) {
          api.sync.update({ ...clone(existing), data: { template: a.template } });
        } else {
          api.sync.create({
            apiVersion: CORE_API_VERSION,
            kind: CONFIGMAP_KIND,
            metadata: { name: APP_VM_NAME, namespace: ns, ownerReferences: [ownerRef(app)] },
            data: { template: a.template },
          });
        }
        deps.faultPoint?.('app.afterInputConfigMap');
        return true;
      }
      case 'deleteInputConfigMap':
        try {
          api.sync.delete(CONFIGMAP_KIND, ns, APP_VM_NAME);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        return true;
      case 'setVMRunning':
        api.sync.patch(LIMAVM_KIND, ns, APP_VM_NAME, { spec: { running: a.running } });
        return true;
      case 'releaseVM': {
        const vm = store.mustGet(LIMAVM_KIND, ns, APP_VM_NAME);
        const fresh = clone(vm);
        removeFinalizer(fresh, OWNED_BY_APP);
        api.sync.update(fresh);
        ctx.log.info('released the owned-by-App finalizer of the LimaVM');
        return true;
      }
      case 'deleteVM':
        try {
          api.sync.delete(LIMAVM_KIND, ns, APP_VM_NAME);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        ctx.log.info('requested deletion of the LimaVM');
        return true;
      case 'deleteOwned':
        for (const o of ownedLeftovers(app, ns)) {
          try {
            if (o.metadata.finalizers?.includes(OWNED_BY_APP)) {
              const fresh = clone(o);
              removeFinalizer(fresh, OWNED_BY_APP);
              api.sync.update(fresh);
            }
            api.sync.delete(o.kind, o.metadata.namespace ?? '', o.metadata.name);
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        }
        return true;
      case 'deleteNamespace':
        try {
          api.sync.delete(NAMESPACE_KIND, '', a.name);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        return true;
      case 'status': {
        const fresh = clone(app);
        const status = { ...(fresh.status ?? {}), conditions: a.conditions };
        if (a.kubernetesPort !== undefined) {
          if (a.kubernetesPort === 0) delete status.kubernetesPort;
          else status.kubernetesPort = a.kubernetesPort;
        }
        store.updateStatus({ ...fresh, status });
        return true;
      }
    }
  }

  function startOp(s: AppState, ctx: ActorContext<AppMsg>, op: AppOp, app: App): void {
    s.opId += 1;
    const id = s.opId;
    s.op = op;
    const ns = appNamespace(app);
    let p: Promise<unknown>;
    switch (op.kind) {
      case 'choosePort':
        p = choosePort(preferredKubernetesPort(deps.instance.index));
        break;
      case 'createVM':
        p = api.create({
          apiVersion: LIMAVM_API_VERSION,
          kind: LIMAVM_KIND,
          metadata: { name: APP_VM_NAME, namespace: ns, finalizers: [OWNED_BY_APP], ownerReferences: [ownerRef(app)] },
          spec: { templateRef: { name: APP_VM_NAME, namespace: ns }, running: app.spec.running },
        }, { signal: ctx.signal });
        break;
      case 'syncTemplate':
        p = api.patch(CONFIGMAP_KIND, ns, op.configMap, { data: { template: op.template } }, { signal: ctx.signal });
        break;
    }
    ctx.pipeToSelf(p, (result) => ({ t: 'opDone', id, op, result }));
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
        s.attempts += 1;
        const delay = requeueDelay(s.attempts, deps.cfg.backoff, deps.random);
        s.retryAt = ctx.now() + delay;
        const text = r.error instanceof Error ? r.error.message : String(r.error);
        s.createError = `failed to create LimaVM "${APP_VM_NAME}": ${text}`;
        ctx.log.warn({ err: text, retryInMs: delay }, 'LimaVM create failed');
      }
    } else if (!r.ok) {
      s.attempts += 1;
      const delay = requeueDelay(s.attempts, deps.cfg.backoff, deps.random);
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
        case 'inspect':
          msg.reply({ op: s.op?.kind, child: s.child?.uid, createError: s.createError, childFailure: s.childFailure });
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
