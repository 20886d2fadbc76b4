// The router: binds committed store changes to the actors that own the objects. It tells an
// owning actor "your object changed" (coalesced), or asks the right parent to spawn it on first
// sight. It carries no payload: actors re-read the store (level-triggered).
import {
  APP_KIND,
  APP_VM_NAME,
  CONFIGMAP_KIND,
  LIMAVM_KIND,
  NAMESPACE_KIND,
  TEMPLATE_CONFIGMAP_LABEL,
  controllerOf,
  type Resource,
} from '../api/index.js';
import type { ChangeEvent, Store } from '../store/types.js';
import type { ActorRef } from '../supervisor/types.js';
import type { RegistryView } from './registry.js';
import type { SupervisorMsg } from './supervisors.js';

export interface RouterTargets {
  readonly store: Store;
  readonly apps: RegistryView;
  readonly vms: RegistryView;
  readonly appSupervisor: ActorRef<SupervisorMsg>;
  readonly vmSupervisor: ActorRef<SupervisorMsg>;
  /** Told about every namespace change. */
  readonly namespaces: ActorRef<{ readonly t: 'changed'; readonly name: string }>;
  /** Told about every removal, to delete dependents whose owners are all gone. */
  readonly gc: ActorRef<{ readonly t: 'ownerGone'; readonly uid: string }>;
}

const TEMPLATE_SUFFIX = '-template';
/** The names of the objects an App makes in its namespace. */
const APP_NAMES: ReadonlySet<string> = new Set([APP_VM_NAME, `${APP_VM_NAME}${TEMPLATE_SUFFIX}`]);

export class Router {
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly t: RouterTargets) {}

  /** Subscribes to the feed, then replays what exists, parents first (no gap: subscribe before listing). */
  start(): void {
    this.unsubscribe = this.t.store.subscribe((ev) => this.route(ev));
    for (const kind of [NAMESPACE_KIND, APP_KIND, LIMAVM_KIND]) {
      for (const o of this.t.store.list(kind).items) this.routeObject(o, false);
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private route(ev: ChangeEvent): void {
    this.routeObject(ev.object, ev.type === 'DELETED');
    if (ev.type !== 'DELETED') return;
    this.t.gc.tell({ t: 'ownerGone', uid: ev.object.metadata.uid });
    if (ev.object.kind === APP_KIND) {
      // Its VM loses its parent actor with it: hand the VM to the standalone supervisor.
      for (const dep of this.t.store.listOwnedBy(ev.object.metadata.uid)) if (dep.kind === LIMAVM_KIND) this.toVm(dep, false);
    }
  }

  private routeObject(o: Resource, removed: boolean): void {
    // An object with a name the App uses, whoever controls it: a foreign one is a conflict the App
    // reports, and the App must see it change or go.
    if ((o.kind === LIMAVM_KIND || o.kind === CONFIGMAP_KIND) && APP_NAMES.has(o.metadata.name)) {
      for (const uid of this.t.apps.uids()) this.t.apps.notify(uid);
    }
    switch (o.kind) {
      case APP_KIND:
        this.toApp(o.metadata.uid, o.metadata.name, removed);
        break;
      case LIMAVM_KIND:
        this.toVm(o, removed);
        break;
      case CONFIGMAP_KIND:
        this.fromConfigMap(o);
        break;
      case NAMESPACE_KIND:
        this.t.namespaces.tell({ t: 'changed', name: o.metadata.name });
        // The App watches its namespace (it recreates it, or stops while it terminates).
        for (const uid of this.t.apps.uids()) this.t.apps.notify(uid);
        break;
    }
  }

  private toApp(uid: string, name: string, removed: boolean): void {
    if (this.t.apps.notify(uid) || removed) return;
    this.t.appSupervisor.tell({ t: 'ensure', uid, namespace: '', name });
  }

  private toVm(vm: Resource, removed: boolean): void {
    const uid = vm.metadata.uid;
    this.t.vms.notify(uid);
    const owner = controllerOf(vm);
    if (owner?.kind === APP_KIND && this.appExists(owner.uid, owner.name)) {
      // The App mirrors its VM and spawns the VM's actor as its own child.
      this.toApp(owner.uid, owner.name, false);
      return;
    }
    // Standalone, or its App is gone (by uid): the VM still needs an actor to finish its deletion.
    // An orphan's uid may still be held by the App's dying child: the supervisor waits for that one.
    if (!removed && (!this.t.vms.has(uid) || owner?.kind === APP_KIND)) {
      this.t.vmSupervisor.tell({ t: 'ensure', uid, namespace: vm.metadata.namespace ?? '', name: vm.metadata.name });
    }
  }

  private appExists(uid: string, name: string): boolean {
    return this.t.store.get(APP_KIND, '', name)?.metadata.uid === uid;
  }

  /** A template ConfigMap concerns its VM (and that VM's App); an input ConfigMap its App. */
  private fromConfigMap(cm: Resource): void {
    const owner = controllerOf(cm);
    if (owner?.kind === APP_KIND) {
      this.t.apps.notify(owner.uid);
      return;
    }
    let vm: Resource | undefined;
    const ns = cm.metadata.namespace ?? '';
    if (owner?.kind === LIMAVM_KIND) {
      vm = this.t.store.list(LIMAVM_KIND, { namespace: ns, name: owner.name }).items[0];
    } else if (cm.metadata.labels?.[TEMPLATE_CONFIGMAP_LABEL] === 'true' && cm.metadata.name.endsWith(TEMPLATE_SUFFIX)) {
      vm = this.t.store.get(LIMAVM_KIND, ns, cm.metadata.name.slice(0, -TEMPLATE_SUFFIX.length));
    }
    if (!vm) return;
    this.t.vms.notify(vm.metadata.uid);
    const app = controllerOf(vm);
    if (app?.kind === APP_KIND) this.t.apps.notify(app.uid);
  }
}
