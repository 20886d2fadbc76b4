// The per-kind supervisors: `apps` owns one actor per App, `limavms` one per standalone LimaVM.
// They spawn on the router's request and stop a child (reason 'deleted') once its object is gone.
import type { ActorRef, Behavior, ChildSpec } from '../supervisor/types.js';
import type { ActorRegistry } from './registry.js';

export type SupervisorMsg =
  /** Spawn the actor for this object unless it already runs. */
  | { readonly t: 'ensure'; readonly uid: string; readonly namespace: string; readonly name: string }
  /** The child's object is gone. */
  | { readonly t: 'gone'; readonly uid: string };

interface Child {
  readonly ref: ActorRef<never>;
  readonly namespace: string;
  readonly name: string;
}

interface SupState {
  readonly children: Map<string, Child>;
  /** Objects whose uid another actor still holds (an App's VM child outliving its App): spawned once it stops. */
  readonly waiting: Map<ActorRef<never>, { readonly uid: string; readonly namespace: string; readonly name: string }>;
  /** Children that exhausted their restart intensity, by uid → the generation they failed at. */
  readonly failed: Map<string, number>;
}

export interface KindSupervisorOptions {
  readonly registry: ActorRegistry;
  /** The child actor for one object; `self` is this supervisor, for the child's onGone. */
  childSpec(o: { uid: string; namespace: string; name: string }, self: ActorRef<SupervisorMsg>): ChildSpec<unknown, never>;
  /** The object's generation now (undefined when gone), so a failed actor is retried after a spec edit. */
  generationOf(o: { uid: string; namespace: string; name: string }): number | undefined;
}

export function kindSupervisor(opts: KindSupervisorOptions): Behavior<SupState, SupervisorMsg> {
  return {
    init: () => ({ children: new Map(), waiting: new Map(), failed: new Map() }),
    receive(s, msg, ctx) {
      switch (msg.t) {
        case 'ensure': {
          if (s.children.has(msg.uid)) break;
          const holder = opts.registry.get(msg.uid) as ActorRef<never> | undefined;
          if (holder !== undefined) {
            // Not ours: spawning now would make two actors drive one object. Retry when it stops.
            if (!s.waiting.has(holder)) {
              s.waiting.set(holder, { uid: msg.uid, namespace: msg.namespace, name: msg.name });
              ctx.watch(holder);
            }
            break;
          }
          const gen = opts.generationOf(msg);
          if (gen === undefined) break;
          if (s.failed.get(msg.uid) === gen) break; // gave up on this generation; a spec edit retries
          s.failed.delete(msg.uid);
          const ref = ctx.spawn(opts.childSpec(msg, ctx.self)) as ActorRef<never>;
          ctx.watch(ref);
          s.children.set(msg.uid, { ref, namespace: msg.namespace, name: msg.name });
          break;
        }
        case 'gone': {
          const child = s.children.get(msg.uid);
          if (child) {
            s.children.delete(msg.uid);
            void ctx.stop(child.ref, { reason: 'deleted' });
          }
          break;
        }
      }
      return s;
    },
    onTerminated(s, ev, ctx) {
      const waited = s.waiting.get(ev.ref);
      if (waited !== undefined) {
        s.waiting.delete(ev.ref);
        ctx.self.tell({ t: 'ensure', ...waited });
      }
      for (const [uid, child] of s.children) {
        if (child.ref !== ev.ref) continue;
        s.children.delete(uid);
        if (typeof ev.reason === 'object') {
          const err = ev.reason.error instanceof Error ? ev.reason.error.message : String(ev.reason.error);
          ctx.log.error({ child: ev.path, uid, err }, 'resource actor stopped after repeated crashes; it restarts when its object changes');
          const gen = opts.generationOf({ uid, namespace: child.namespace, name: child.name });
          if (gen !== undefined) s.failed.set(uid, gen);
        }
      }
      return s;
    },
  };
}
