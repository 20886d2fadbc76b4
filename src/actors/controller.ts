// A controller description: what one kind brings to the daemon (docs/controllers.md, "Declarative
// controllers"). In controller-runtime's words: `kind` is For, `owns` is Owns, `watches` is
// Watches. The router and the daemon are derived from the list of these (./index.ts).
import type { Resource } from '../api/index.js';
import type { AdmissionHook, Api, HostInfo, TemplateValidator } from '../admission/types.js';
import type { LimaDriver } from '../lima/types.js';
import type { Store } from '../store/types.js';
import type { ActorRef, Behavior, ChildSpec } from '../supervisor/types.js';
import type { AppConfig, AppMsg } from './app/config.js';
import type { InstanceValues } from './app/template.js';
import type { VmConfig } from './limavm/config.js';
import type { VmMsg } from './limavm/messages.js';
import type { ActorRegistry, RegistryView } from './registry.js';
import type { SupervisorMsg } from './supervisors.js';

/** One object an actor is for. */
export interface Target {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
}

/** What admission hooks of a kind may need. */
export interface HookEnv {
  readonly templateValidator: TemplateValidator;
  /** The App's instance-derived template values. */
  readonly instance: InstanceValues;
  readonly host: HostInfo;
  /** The daemon's RDD_VM_CPUS setting, if any. */
  readonly defaultCpus?: string;
}

/** What the actors of a kind need. */
export interface ActorEnv {
  readonly store: Store;
  readonly api: Api;
  readonly driver: LimaDriver;
  readonly random: () => number;
  readonly instance: InstanceValues;
  readonly vmConfig: VmConfig;
  readonly appConfig: AppConfig;
  readonly vms: ActorRegistry<VmMsg>;
  readonly apps: ActorRegistry<AppMsg>;
  /** Crash points for tests (RDD_FAULT_POINT). */
  readonly faultPoint?: (name: string) => void;
}

/** One actor per object, under the kind's supervisor; it registers itself by uid. */
export interface PerObjectActors {
  readonly mode: 'perObject';
  /** The kind supervisor's name. */
  readonly supervisor: string;
  registry(env: ActorEnv): RegistryView;
  /** The actor of one object; `onGone` tells the supervisor to stop it once its object is gone. */
  child(t: Target, env: ActorEnv, onGone: (uid: string) => void): ChildSpec<unknown, never>;
}

/** Per-object actors named `<prefix>-<uid>` under the supervisor `supervisor`. */
export function perObject(
  supervisor: string,
  prefix: string,
  registry: (env: ActorEnv) => RegistryView,
  behavior: (t: Target, env: ActorEnv, onGone: (uid: string) => void) => Behavior<unknown, never>,
): PerObjectActors {
  return { mode: 'perObject', supervisor, registry, child: (t, env, onGone) => ({ name: `${prefix}-${t.uid}`, behavior: behavior(t, env, onGone) }) };
}

/** One actor for the whole kind, told the name of every object that changed. */
export interface SingletonActor {
  readonly mode: 'singleton';
  readonly name: string;
  behavior(env: ActorEnv): Behavior<unknown, NameChanged>;
}

export interface NameChanged {
  readonly t: 'changed';
  readonly name: string;
}

/** Owns: objects of `kind` whose controller ownerReference names this kind enqueue their owner. */
export interface Owns {
  readonly kind: string;
  /** The owner spawns these objects' actors as its own children (while the owner exists). */
  readonly children?: boolean;
}

/** Watches: a change of an object of `kind` enqueues the objects `map` returns (uids, or all of this kind). */
export interface Watch {
  readonly kind: string;
  map(o: Resource, store: Store): readonly string[] | 'all';
}

export interface Controller {
  /** For: the kind this controller reconciles. */
  readonly kind: string;
  /** The admission hooks the kind brings (names unique across the daemon). */
  hooks(env: HookEnv): AdmissionHook[];
  readonly behavior: PerObjectActors | SingletonActor;
  readonly owns: readonly Owns[];
  readonly watches: readonly Watch[];
}

/** A started controller: its description and where its actors are. */
export type RunningController =
  | { readonly controller: Controller; readonly mode: 'perObject'; readonly registry: RegistryView; readonly supervisor: ActorRef<SupervisorMsg> }
  | { readonly controller: Controller; readonly mode: 'singleton'; readonly actor: ActorRef<NameChanged> };
