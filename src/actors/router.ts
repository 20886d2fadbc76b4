// The router: binds committed store changes to the actors that own the objects, by the rules the
// controllers declare (./controller.ts: For, Owns, Watches). It tells an owning actor "your object
// changed" (coalesced), or asks the kind's supervisor to spawn it on first sight. It carries no
// payload: actors re-read the store (level-triggered).
import { KINDS, controllerOf, type Resource } from '../api/index.js';
import type { ChangeEvent, Store } from '../store/types.js';
import type { ActorRef } from '../supervisor/types.js';
import type { RunningController } from './controller.js';

export interface RouterTargets {
  readonly store: Store;
  /** In order: parents first (their objects are replayed first at start). */
  readonly controllers: readonly RunningController[];
  /** Told about every removal, to delete dependents whose owners are all gone. */
  readonly gc: ActorRef<{ readonly t: 'ownerGone'; readonly uid: string }>;
}

const NAMESPACED: ReadonlyMap<string, boolean> = new Map(KINDS.map((k) => [k.kind, k.namespaced]));

export class Router {
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly t: RouterTargets) {}

  /** Subscribes to the feed, then replays what exists, parents first (no gap: subscribe before listing). */
  start(): void {
    this.unsubscribe = this.t.store.subscribe((ev) => this.route(ev));
    for (const c of this.t.controllers) {
      for (const o of this.t.store.list(c.controller.kind).items) this.routeObject(o, false);
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
    // Objects whose actors were the removed owner's children lose their parent actor with it:
    // hand them to their own kind's supervisor.
    for (const c of this.t.controllers) {
      if (c.controller.kind !== ev.object.kind) continue;
      for (const owns of c.controller.owns) {
        if (!owns.children) continue;
        for (const dep of this.t.store.listOwnedBy(ev.object.metadata.uid)) if (dep.kind === owns.kind) this.routeFor(dep, false);
      }
    }
  }

  private routeObject(o: Resource, removed: boolean): void {
    for (const c of this.t.controllers) {
      for (const w of c.controller.watches) {
        if (w.kind !== o.kind) continue;
        const uids = w.map(o, this.t.store);
        if (c.mode !== 'perObject') continue;
        for (const uid of uids === 'all' ? c.registry.uids() : uids) c.registry.notify(uid);
      }
    }
    this.routeFor(o, removed);
  }

  /** The object's own controller (For), and the controller of its owner (Owns). */
  private routeFor(o: Resource, removed: boolean): void {
    const uid = o.metadata.uid;
    const owner = controllerOf(o);
    let parentSpawns = false;
    let ownerSpawnsChildren = false;
    for (const c of this.t.controllers) {
      if (owner?.kind !== c.controller.kind) continue;
      const owns = c.controller.owns.find((x) => x.kind === o.kind);
      if (!owns) continue;
      ownerSpawnsChildren ||= owns.children === true;
      if (owns.children && this.exists(owner.kind, o.metadata.namespace ?? '', owner.name, owner.uid)) {
        // The owner mirrors this object and spawns its actor as its own child.
        parentSpawns = true;
        this.ensure(c, owner.uid, o.metadata.namespace ?? '', owner.name, false);
      } else if (c.mode === 'perObject') {
        c.registry.notify(owner.uid);
      }
    }
    for (const c of this.t.controllers) {
      if (c.controller.kind !== o.kind) continue;
      if (c.mode === 'singleton') {
        c.actor.tell({ t: 'changed', name: o.metadata.name });
        continue;
      }
      c.registry.notify(uid);
      if (parentSpawns || removed) continue;
      // Standalone, or its owner is gone (by uid): the object still needs an actor to finish its
      // deletion. Its uid may still be held by the owner's dying child: the supervisor waits for that one.
      if (!c.registry.has(uid) || ownerSpawnsChildren) this.ensure(c, uid, o.metadata.namespace ?? '', o.metadata.name, true);
    }
  }

  /** Notifies the actor of `uid`, or asks its supervisor to spawn it. */
  private ensure(c: RunningController, uid: string, namespace: string, name: string, notified: boolean): void {
    if (c.mode !== 'perObject') return;
    if (!notified && c.registry.notify(uid)) return;
    const ns = NAMESPACED.get(c.controller.kind) === true ? namespace : '';
    c.supervisor.tell({ t: 'ensure', uid, namespace: ns, name });
  }

  private exists(kind: string, namespace: string, name: string, uid: string): boolean {
    const ns = NAMESPACED.get(kind) === true ? namespace : '';
    return this.t.store.get(kind, ns, name)?.metadata.uid === uid;
  }
}
