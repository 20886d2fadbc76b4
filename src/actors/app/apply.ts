// Performs one planned step of the App actor: synchronous writes through api.sync (so the guards
// apply) and the store, or an operation whose result comes back as a message.
import {
  APP_KIND,
  APP_VM_NAME,
  CLEANUP_FINALIZER,
  CONFIGMAP_KIND,
  CORE_API_VERSION,
  CREATED_BY_LABEL,
  KINDS,
  LIMAVM_API_VERSION,
  LIMAVM_KIND,
  NAMESPACE_KIND,
  addFinalizer,
  clone,
  controllerOf,
  errors,
  isAlreadyExists,
  isNotFound,
  ownedByFinalizer,
  type App,
  type OwnerReference,
  type Resource,
} from '../../api/index.js';
import type { Store } from '../../store/types.js';
import type { ActorContext } from '../../supervisor/types.js';
import type { AppActorDeps, AppMsg } from './config.js';
import { appNamespace, type AppOp, type AppStep } from './plan.js';
import { dropFinalizer, releaseAndDelete } from '../writes.js';
import { choosePort } from './port.js';
import { preferredKubernetesPort } from './template.js';

const OWNED_BY_APP = ownedByFinalizer(APP_KIND);

/** Everything the App owns besides the VM, the input ConfigMap and the namespace. */
export function ownedLeftovers(store: Store, app: App, ns: string): Resource[] {
  return store.listOwnedBy(app.metadata.uid).filter(
    (o) => !(o.kind === LIMAVM_KIND && o.metadata.name === APP_VM_NAME && o.metadata.namespace === ns) &&
      !(o.kind === CONFIGMAP_KIND && o.metadata.name === APP_VM_NAME && o.metadata.namespace === ns) &&
      o.kind !== NAMESPACE_KIND,
  );
}

export function namespaceEmpty(store: Store, ns: string, appUid: string): boolean {
  for (const kind of KINDS.filter((k) => k.namespaced).map((k) => k.kind)) {
    for (const o of store.list(kind, { namespace: ns }).items) {
      if (!o.metadata.ownerReferences?.some((r) => r.uid === appUid)) return false;
    }
  }
  return true;
}

export function ownerRef(app: App): OwnerReference {
  return { apiVersion: app.apiVersion, kind: APP_KIND, name: app.metadata.name, uid: app.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/**
 * The object `kind ns/name` if this App controls it. Every by-name write checks this first: the
 * planner already excludes foreign objects, and this keeps a later edit from ever touching one.
 */
function mine<T extends Resource>(store: Store, app: App, kind: string, ns: string, name: string): T | undefined {
  const o = store.get(kind, ns, name);
  if (!o) return undefined;
  if (controllerOf(o)?.uid !== app.metadata.uid) {
    throw errors.conflict(kind, name, `${kind} ${ns}/${name} is not controlled by this App; it is left untouched`);
  }
  return o as T;
}

/** Deletes `kind ns/rd` if this App controls it, by uid precondition; one already gone is fine. */
function deleteMine(deps: AppActorDeps, app: App, kind: string, ns: string): void {
  try {
    const o = mine(deps.store, app, kind, ns, APP_VM_NAME);
    if (o) deps.api.sync.delete(kind, ns, APP_VM_NAME, { preconditions: { uid: o.metadata.uid } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Performs one action; returns true to plan again at once. */
export function apply(deps: AppActorDeps, ctx: ActorContext<AppMsg>, app: App, a: AppStep): boolean {
  const { store, api } = deps;
  const ns = appNamespace(app);
  switch (a.kind) {
    case 'addCleanupFinalizer': {
      const fresh = clone(app);
      addFinalizer(fresh, CLEANUP_FINALIZER);
      api.sync.update(fresh);
      return true;
    }
    case 'removeCleanupFinalizer':
      dropFinalizer(api, app, CLEANUP_FINALIZER);
      ctx.log.info('cleanup finalizer removed; the App is gone');
      return true;
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
    case 'ensureInputConfigMap': {
      const existing = mine(store, app, CONFIGMAP_KIND, ns, APP_VM_NAME);
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
      deleteMine(deps, app, CONFIGMAP_KIND, ns);
      return true;
    case 'setVMRunning': {
      const vm = mine(store, app, LIMAVM_KIND, ns, APP_VM_NAME);
      if (vm) api.sync.patch(LIMAVM_KIND, ns, APP_VM_NAME, { spec: { running: a.running } });
      return true;
    }
    case 'releaseVM': {
      const vm = mine(store, app, LIMAVM_KIND, ns, APP_VM_NAME);
      if (vm && dropFinalizer(api, vm, OWNED_BY_APP)) ctx.log.info('released the owned-by-App finalizer of the LimaVM');
      return true;
    }
    case 'deleteVM':
      deleteMine(deps, app, LIMAVM_KIND, ns);
      ctx.log.info('requested deletion of the LimaVM');
      return true;
    case 'deleteOwned':
      for (const o of ownedLeftovers(store, app, ns)) releaseAndDelete(api, o, OWNED_BY_APP);
      return true;
    case 'releaseNamespace': {
      const nsObj = clone(store.mustGet(NAMESPACE_KIND, '', a.name));
      nsObj.metadata.ownerReferences = (nsObj.metadata.ownerReferences ?? []).filter((r) => r.uid !== app.metadata.uid);
      api.sync.update(nsObj);
      ctx.log.info({ namespace: a.name }, 'kept the namespace: other objects live there');
      return true;
    }
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

/** The work of one App operation, run outside the actor's handler. */
export function runAppOp(deps: AppActorDeps, op: AppOp, app: App, signal: AbortSignal): Promise<unknown> {
  const { api } = deps;
  const ns = appNamespace(app);
  switch (op.kind) {
    case 'choosePort':
      return choosePort(preferredKubernetesPort(deps.instance.index), { claims: deps.instance.portClaims, purpose: 'kubernetes' });
    case 'createVM':
      return api.create({
        apiVersion: LIMAVM_API_VERSION,
        kind: LIMAVM_KIND,
        metadata: { name: APP_VM_NAME, namespace: ns, finalizers: [OWNED_BY_APP], ownerReferences: [ownerRef(app)] },
        spec: { templateRef: { name: APP_VM_NAME, namespace: ns }, running: app.spec.running },
      }, { signal });
    case 'syncTemplate':
      return api.patch(CONFIGMAP_KIND, ns, op.configMap, { data: { template: op.template } }, { signal });
  }
}
