// The actor kernel's public contract (docs/actors.md#api). No nact type leaks out of
// src/supervisor/: the kernel could swap nact for another mailbox without touching callers.
import type { Logger } from 'pino';

/** Why an actor ended. 'normal' and 'shutdown' and 'deleted' are clean exits; {error} is a crash. */
export type Reason = 'normal' | 'shutdown' | 'deleted' | { readonly error: unknown };

/** The brand's key: type-level only (no value exists at runtime). */
export declare const refBrand: unique symbol;

/**
 * A handle to an actor that accepts messages of type M. Branded: an ActorRef<A> is not
 * assignable to an ActorRef<B>. The handle stays valid across restarts (same path, the
 * incarnation counts restarts); after the actor stops for good, tell() goes to dead letters.
 */
export interface ActorRef<M> {
  readonly [refBrand]: (m: M) => void;
  readonly path: string;
  /** 0 for the first run, +1 on every restart. */
  readonly incarnation: number;
  tell(msg: M): void;
  readonly alive: boolean;
  /** Resolves with the final reason once the actor and its whole subtree have stopped. */
  readonly stopped: Promise<Reason>;
}

/** A death notice: a child or a watched actor ended. */
export interface Terminated {
  readonly ref: ActorRef<never>;
  readonly path: string;
  readonly reason: Reason;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/**
 * An actor's behaviour. Handlers return the next state; returning undefined is a failure.
 * A throw (or rejection) from init/receive/onTerminated is a crash handled by the restart policy.
 * Keep handlers short: long work goes through ctx.pipeToSelf and comes back as a message.
 */
export interface Behavior<S, M> {
  init(ctx: ActorContext<M>): S | Promise<S>;
  receive(state: S, msg: M, ctx: ActorContext<M>): S | Promise<S>;
  onTerminated?(state: S, ev: Terminated, ctx: ActorContext<M>): S | Promise<S>;
  /**
   * Runs exactly once per incarnation when it ends (stop, restart, crash), after its children have
   * stopped. Bounded by the spec's shutdownMs: at the deadline `signal` is aborted. A throw is logged.
   */
  finalize?(state: S | undefined, reason: Reason, signal: AbortSignal, ctx: ActorContext<M>): void | Promise<void>;
}

export interface Backoff {
  readonly minMs: number;
  readonly maxMs: number;
  /** 0..1: the delay is multiplied by (1 + jitter * random()). */
  readonly jitter: number;
  /** After this long without a crash, the attempt counter resets. */
  readonly resetAfterMs: number;
}

export interface RestartPolicy {
  /** permanent: always restarted; transient: only after a crash; temporary: never. */
  readonly restart: 'permanent' | 'transient' | 'temporary';
  /** More than `max` crashes within `withinMs` stops the actor (and escalates, see onExhausted). */
  readonly intensity: { readonly max: number; readonly withinMs: number };
  readonly backoff: Backoff;
  /** 'escalate' also crashes the parent with the child's error; 'stop' only notifies it. */
  readonly onExhausted: 'stop' | 'escalate';
}

export interface ChildSpec<S, M> extends Partial<RestartPolicy> {
  /** Unique among siblings; [a-z0-9-$_.+!*'(),] only (no '/' or ':'). */
  readonly name: string;
  readonly behavior: Behavior<S, M>;
  /** How THIS actor's children are restarted when one of them crashes (creation order). */
  readonly strategy?: 'one_for_one' | 'one_for_all' | 'rest_for_one';
  /** Bound for finalize and for the subtree's stop; 'infinity' waits forever. Default 5000. */
  readonly shutdownMs?: number | 'infinity';
  /** Messages held while init runs; overflow goes to dead letters. Default 1000. */
  readonly stashCapacity?: number;
  /**
   * How THIS actor's children are stopped: 'in_order' (default, OTP) one at a time in reverse creation
   * order; 'parallel' all at once under one deadline (OTP's dynamic supervisors), each still leaf-first.
   */
  readonly stopChildren?: 'in_order' | 'parallel';
}

export interface StopOptions {
  readonly reason?: Reason;
  /** 'drain': after the mail already queued (default); 'now': queued mail goes to dead letters. */
  readonly mode?: 'drain' | 'now';
  /** Overrides the spec's shutdownMs for this stop. */
  readonly timeoutMs?: number;
}

export interface Timers<M> {
  /** Sends `msg` to self after `ms`; replaces a timer with the same key. */
  once(key: string, msg: M, ms: number): void;
  /** Sends `msg` to self every `ms`; replaces a timer with the same key. */
  every(key: string, msg: M, ms: number): void;
  cancel(key: string): void;
  isActive(key: string): boolean;
}

export interface ActorContext<M> {
  readonly self: ActorRef<M>;
  readonly parent: ActorRef<never> | undefined;
  readonly path: string;
  /** pino child logger with {path, incarnation}. */
  readonly log: Logger;
  /** Aborted when this incarnation ends (stop, restart) or its shutdown deadline passes. */
  readonly signal: AbortSignal;
  readonly timers: Timers<M>;
  /** Milliseconds from the kernel's clock. */
  now(): number;
  spawn<CS, CM>(spec: ChildSpec<CS, CM>): ActorRef<CM>;
  /** Live children in creation order. */
  children(): ReadonlyArray<ActorRef<never>>;
  child<CM = never>(name: string): ActorRef<CM> | undefined;
  stop(child: ActorRef<never>, opts?: StopOptions): Promise<Reason>;
  /** Delivers Terminated to onTerminated when `ref` ends; at once if it already has. Idempotent. */
  watch(ref: ActorRef<never>): void;
  unwatch(ref: ActorRef<never>): void;
  /** Runs `p` outside the handler; its settlement comes back as the message `map(result)`. */
  pipeToSelf<T>(p: Promise<T>, map: (r: Result<T>) => M): void;
}

export interface Clock {
  now(): number;
  /** `unref`: the timer must not keep the process alive (safety nets: deadlines, ask timeouts). */
  setTimeout(fn: () => void, ms: number, opts?: { readonly unref?: boolean }): unknown;
  clearTimeout(handle: unknown): void;
}

/** A clock that only moves when told to (deterministic tests). */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, firing every due timer in (due time, creation) order. */
  advance(ms: number): void;
  /** Number of timers not yet fired or cleared. */
  readonly pending: number;
}

export interface DeadLetter {
  readonly path: string;
  readonly msg: unknown;
}

/** Lifecycle events, for tests and `rdd debug` (the same facts as the lifecycle log lines). */
export type KernelEvent =
  | { readonly type: 'spawned'; readonly path: string }
  | { readonly type: 'started'; readonly path: string; readonly incarnation: number }
  | { readonly type: 'crashed'; readonly path: string; readonly incarnation: number; readonly error: unknown }
  | {
      readonly type: 'restarting';
      readonly path: string;
      /** The incarnation that ended. */
      readonly incarnation: number;
      readonly attempt: number;
      readonly delayMs: number;
      /** The actor whose failure caused this restart (itself, or a sibling under one_for_all/rest_for_one). */
      readonly trigger: string;
    }
  | { readonly type: 'intensity_exceeded'; readonly path: string; readonly max: number; readonly withinMs: number }
  | { readonly type: 'shutdown_timeout'; readonly path: string; readonly timeoutMs: number }
  | { readonly type: 'finalize_failed'; readonly path: string; readonly incarnation: number; readonly error: unknown }
  | { readonly type: 'stopped'; readonly path: string; readonly reason: Reason; readonly ms: number };

export interface ShutdownOptions {
  readonly timeoutMs: number;
  /** Default 'drain': every actor handles the mail already queued before it stops. */
  readonly mode?: 'drain' | 'now';
}

export interface Kernel {
  /** A top-level actor (under /user). */
  spawn<S, M>(spec: ChildSpec<S, M>): ActorRef<M>;
  /** Request/response with its own correlation. Rejects on timeout, and at once when the target stops. */
  ask<M, R>(ref: ActorRef<M>, make: (reply: (r: R) => void) => M, timeoutMs: number): Promise<R>;
  stop(ref: ActorRef<never>, opts?: StopOptions): Promise<Reason>;
  /** Stops every top-level actor leaf-first in reverse creation order; aborts what outlives the deadline. */
  shutdown(opts: ShutdownOptions): Promise<void>;
  readonly deadLetters: { readonly count: number; on(fn: (d: DeadLetter) => void): () => void };
  /** Subscribes to lifecycle events; returns the unsubscribe function. A throwing listener is logged. */
  inspect(fn: (ev: KernelEvent) => void): () => void;
  /**
   * Resolves once nothing will happen soon: every mailbox empty, no handler running, no async init,
   * pipeToSelf or wind-down in flight, and no timer due within `horizonMs` (kernel clock), for
   * `turns` consecutive event-loop turns. Rejects after `timeoutMs` (real time) naming what is busy.
   * For tests: "nothing happens" is checked by waiting for this, never by sleeping.
   */
  quiescent(opts?: QuiescentOptions): Promise<void>;
  /** What keeps the kernel from being quiescent right now (all zero / undefined when idle). */
  activity(): KernelActivity;
  readonly log: Logger;
  readonly clock: Clock;
}

export interface QuiescentOptions {
  /** A timer due within this many ms of the kernel clock's now counts as work. Default 1000. */
  readonly horizonMs?: number;
  /** Consecutive idle macrotask turns required (work can hop turns: store feed -> router -> tell). Default 3. */
  readonly turns?: number;
  /** Real-time bound on the wait. Default 10000. */
  readonly timeoutMs?: number;
}

export interface KernelActivity {
  /** Messages posted and not yet handled. */
  readonly queued: number;
  /** Handlers running (an async handler counts until it settles). */
  readonly running: number;
  /** Async inits, pipeToSelf operations and wind-downs (stop, restart) not yet settled. */
  readonly inFlight: number;
  /** Kernel-clock time of the earliest armed timer (ask timeouts and deadlines excluded). */
  readonly nextTimerAt: number | undefined;
}

export interface KernelOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  /** Source of randomness for backoff jitter (deterministic tests). */
  readonly random?: () => number;
  /** Defaults for every spawned actor's restart policy. */
  readonly defaults?: Partial<RestartPolicy>;
  /** Minimum interval between two `dead_letters` log lines. Default 1000 ms. */
  readonly deadLetterLogIntervalMs?: number;
}

export interface ProcessGuardOptions {
  /** Budget for the ordered shutdown after a fatal error. Default 10000 ms. */
  readonly timeoutMs?: number;
  /** Default 1. */
  readonly exitCode?: number;
  /** Default process.exit (tests inject their own). */
  readonly exit?: (code: number) => void;
}
