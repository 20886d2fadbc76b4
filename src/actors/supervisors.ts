// The per-kind supervisors: `apps` owns one actor per App, `limavms` one per standalone LimaVM.
// They spawn on the router's request and stop a child (reason 'deleted') once its object is gone.
import type { ActorRef, Behavior, ChildSpec } from '../supervisor/types.js';
import type { RegistryView } from './registry.js';
import { ResourceChildren } from './reconciler.js';

export type SupervisorMsg =
  /** Spawn the actor for this object unless it already runs. */
  | { readonly t: 'ensure'; readonly uid: string; readonly namespace: string; readonly name: string }
  /** The child's object is gone. */
  | { readonly t: 'gone'; readonly uid: string };

interface Target {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
}

interface SupState {
  readonly children: ResourceChildren;
  /** Where each child's object is, to read its generation. */
  readonly targets: Map<string, Target>;
  /** Objects whose uid another actor still holds (an App's VM child outliving its App): spawned once it stops. */
  readonly waiting: Map<ActorRef<never>, Target>;
}

export interface KindSupervisorOptions {
  readonly registry: RegistryView;
  /** The child actor for one object; `self` is this supervisor, for the child's onGone. */
  childSpec(o: Target, self: ActorRef<SupervisorMsg>): ChildSpec<unknown, never>;
  /** The object's generation now (undefined when gone), so a failed actor is retried after a spec edit. */
  generationOf(o: Target): number | undefined;
}

export function kindSupervisor(opts: KindSupervisorOptions): Behavior<SupState, SupervisorMsg> {
  return {
    init: () => ({ children: new ResourceChildren(), targets: new Map(), waiting: new Map() }),
    receive(s, msg, ctx) {
      switch (msg.t) {
        case 'ensure': {
          if (s.children.has(msg.uid)) break;
          const holder = opts.registry.get(msg.uid);
          if (holder !== undefined) {
            // Not ours: spawning now would make two actors drive one object. Retry when it stops.
            if (!s.waiting.has(holder)) {
              s.waiting.set(holder, { uid: msg.uid, namespace: msg.namespace, name: msg.name });
              ctx.watch(holder);
            }
            break;
          }
          const target = { uid: msg.uid, namespace: msg.namespace, name: msg.name };
          const gen = opts.generationOf(target);
          if (gen === undefined) break;
          s.targets.set(msg.uid, target);
          s.children.ensure(ctx, msg.uid, gen, () => opts.childSpec(target, ctx.self));
          break;
        }
        case 'gone':
          s.children.stopGone(ctx, msg.uid);
          s.targets.delete(msg.uid);
          break;
      }
      return s;
    },
    onTerminated(s, ev, ctx) {
      const waited = s.waiting.get(ev.ref);
      if (waited !== undefined) {
        s.waiting.delete(ev.ref);
        ctx.self.tell({ t: 'ensure', ...waited });
      }
      const generationOf = (uid: string) => {
        const target = s.targets.get(uid);
        return target ? opts.generationOf(target) : undefined;
      };
      const child = s.children.terminated(ev, generationOf);
      if (child) s.targets.delete(child.uid);
      if (child?.error !== undefined) {
        ctx.log.error({ child: ev.path, uid: child.uid, err: child.error }, 'resource actor stopped after repeated crashes; it restarts when its object changes');
      }
      return s;
    },
  };
}
