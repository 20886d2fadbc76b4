// The reconcile runtime every resource actor runs on (docs/controllers.md, "The reconcile
// runtime"). A kind supplies observe / plan / apply / fold; the runtime owns the rest: the
// level-triggered loop with its step bound, coalesced notifications, the requeue timer, the
// backoff after expected failures, the life of each operation (id, abort, pipeToSelf, late
// results dropped), the end of the object (gone/onGone and the registry), and the policy for a
// child actor that gave up at one generation of its object.
import { isApiError, type ApiError } from '../api/index.js';
import type { ActorContext, ActorRef, Behavior, ChildSpec, Reason, Result, Terminated } from '../supervisor/types.js';
import { nextRetryDelay, type RequeueBackoff } from './backoff.js';
import type { ActorRegistry } from './registry.js';

/** Steps one pass may take; more means two steps undo each other, so the pass yields and retries later. */
export const MAX_STEPS = 25;
/** The retry of a pass that did not settle within MAX_STEPS. */
const UNSETTLED_MS = 1000;
const REQUEUE = 'requeue';

/** The messages the runtime handles for every kind. */
export type ReconcileMsg<Op, Out> =
  /** The store says the object (or something it watches) changed. Coalesced by the registry. */
  | { readonly t: 'changed' }
  /** A timer fired (requeue, backoff). */
  | { readonly t: 'reconcile'; readonly cause: string }
  /** An operation settled; `id` says which one (a result of an older one is dropped). */
  | { readonly t: 'opDone'; readonly id: number; readonly op: Op; readonly result: Result<Out> };

/** Actions every planner may return besides its own: the runtime performs them. */
export type RuntimeAction<Op> =
  | { readonly kind: 'none'; readonly why: string; readonly requeueAfterMs?: number }
  | { readonly kind: 'op'; readonly op: Op }
  | { readonly kind: 'abortOp'; readonly why: string };

/** Builds the "nothing to do" answer, with a requeue when time alone will change the answer. */
export function none(why: string, requeueAfterMs?: number): { readonly kind: 'none'; readonly why: string; readonly requeueAfterMs?: number } {
  return requeueAfterMs === undefined ? { kind: 'none', why } : { kind: 'none', why, requeueAfterMs };
}

/** The operation in flight: at most one per actor. */
export interface Operation<Op> {
  readonly id: number;
  readonly op: Op;
  readonly abort: AbortController;
}

/** The runtime's share of an actor's state. */
export interface RuntimeState<Op> {
  /** The operation in flight, or undefined for none. */
  operation: Operation<Op> | undefined;
  /** The id of the last operation started. */
  opSeq: number;
  /** Consecutive failed attempts: the requeue backoff's counter. */
  attempts: number;
  /** The object is gone; the parent stops this actor. */
  gone: boolean;
}

export function runtimeState<Op>(): RuntimeState<Op> {
  return { operation: undefined, opSeq: 0, attempts: 0, gone: false };
}

export interface ReconcilerSpec<S extends RuntimeState<Op>, X extends { readonly t: string }, O, A extends { readonly kind: string }, Op, Out> {
  readonly uid: string;
  readonly registry: ActorRegistry<ReconcileMsg<Op, Out> | X>;
  readonly backoff: RequeueBackoff;
  readonly random: () => number;
  /** The object is gone: the parent stops this actor with reason 'deleted'. */
  readonly onGone: (uid: string, self: ActorRef<ReconcileMsg<Op, Out> | X>) => void;
  /** The kind's state at (re)start, with runtimeState() inside. */
  init(): S;
  /** Nothing is planned while this holds (a VM stopping for the daemon's shutdown). */
  paused?(s: S): boolean;
  /** Reads what the planner needs; undefined when the object is gone. */
  observe(s: S, ctx: ActorContext<ReconcileMsg<Op, Out> | X>): O | undefined;
  /** Pure: the one next action. */
  plan(o: O, s: S, now: number): A | RuntimeAction<Op>;
  /** Performs a kind's own action; true when planning should continue at once. */
  apply(s: S, ctx: ActorContext<ReconcileMsg<Op, Out> | X>, o: O, a: A): boolean;
  /** The work of an operation, outside the handler; `signal` aborts it. */
  run(s: S, ctx: ActorContext<ReconcileMsg<Op, Out> | X>, op: Op, signal: AbortSignal): Promise<Out>;
  /** Just before an operation starts (e.g. a start watches the event stream first). */
  starting?(s: S, ctx: ActorContext<ReconcileMsg<Op, Out> | X>, op: Op): void;
  /** Takes an operation's result into the state; the runtime plans again afterwards. */
  fold(s: S, ctx: ActorContext<ReconcileMsg<Op, Out> | X>, op: Op, result: Result<Out>): void;
  /**
   * An expected failure (an ApiError) while observing (`a` undefined) or performing `a`, already
   * counted in s.attempts with `delay` before the retry. True: plan once more in this pass (to
   * write the failure as a condition); a second failure in the same pass waits for the retry.
   */
  failed(s: S, ctx: ActorContext<ReconcileMsg<Op, Out> | X>, e: ApiError, a: A | RuntimeAction<Op> | undefined, delay: number): boolean;
  /** A step of the kind's own finished without error. */
  succeeded?(s: S, a: A): void;
  /** The kind's own messages; return true to plan again afterwards. */
  receive?(s: S, msg: X, ctx: ActorContext<ReconcileMsg<Op, Out> | X>): boolean;
  onTerminated?(s: S, ev: Terminated, ctx: ActorContext<ReconcileMsg<Op, Out> | X>): boolean;
  /** The object is gone: release live handles before the parent is told. */
  release?(s: S, ctx: ActorContext<ReconcileMsg<Op, Out> | X>): void;
}

export interface Reconciler<S, M, Op> {
  readonly behavior: Behavior<S, M>;
  /** Plans and acts until nothing is left to do (level-triggered). */
  reconcile(s: S, ctx: ActorContext<M>): void;
  /** The object is gone: release handles and let the parent stop this actor. */
  gone(s: S, ctx: ActorContext<M>): void;
  /** Starts an operation outside a pass (a VM's stop for the daemon's shutdown). */
  startOp(s: S, ctx: ActorContext<M>, op: Op): void;
}

const RUNTIME_MSGS: ReadonlySet<string> = new Set(['changed', 'reconcile', 'opDone']);

export function reconciler<S extends RuntimeState<Op>, X extends { readonly t: string }, O, A extends { readonly kind: string }, Op, Out>(
  spec: ReconcilerSpec<S, X, O, A, Op, Out>,
): Reconciler<S, ReconcileMsg<Op, Out> | X, Op> {
  type M = ReconcileMsg<Op, Out> | X;
  type Ctx = ActorContext<M>;
  const isRuntimeMsg = (m: M): m is ReconcileMsg<Op, Out> => RUNTIME_MSGS.has(m.t);
  const isRuntimeAction = (a: A | RuntimeAction<Op>): a is RuntimeAction<Op> => a.kind === 'none' || a.kind === 'op' || a.kind === 'abortOp';

  function gone(s: S, ctx: Ctx): void {
    if (s.gone) return;
    s.gone = true;
    spec.release?.(s, ctx);
    spec.registry.unregister(spec.uid, ctx.self);
    spec.onGone(spec.uid, ctx.self);
  }

  function startOp(s: S, ctx: Ctx, op: Op): void {
    s.opSeq += 1;
    const id = s.opSeq;
    const abort = new AbortController();
    s.operation = { id, op, abort };
    spec.starting?.(s, ctx, op);
    const signal = AbortSignal.any([ctx.signal, abort.signal]);
    ctx.pipeToSelf(spec.run(s, ctx, op, signal), (result): M => ({ t: 'opDone', id, op, result }));
  }

  /** Performs a runtime action; true when planning should continue at once. */
  function perform(s: S, ctx: Ctx, a: RuntimeAction<Op>): boolean {
    switch (a.kind) {
      case 'none':
        ctx.log.trace({ why: a.why }, 'reconcile: nothing to do');
        if (a.requeueAfterMs !== undefined) ctx.timers.once(REQUEUE, { t: 'reconcile', cause: a.why }, a.requeueAfterMs);
        return false;
      case 'op':
        startOp(s, ctx, a.op);
        return false;
      case 'abortOp':
        ctx.log.info({ why: a.why }, 'aborting operation');
        s.operation?.abort.abort(new Error(a.why));
        return false;
    }
  }

  function reconcile(s: S, ctx: Ctx): void {
    if (s.gone || spec.paused?.(s)) return;
    ctx.timers.cancel(REQUEUE);
    let recorded = false;
    for (let step = 0; step < MAX_STEPS; step++) {
      let action: A | RuntimeAction<Op> | undefined;
      try {
        const o = spec.observe(s, ctx);
        if (o === undefined) {
          gone(s, ctx);
          return;
        }
        const a = spec.plan(o, s, ctx.now());
        action = a;
        if (a.kind !== 'none') ctx.log.debug({ action: a.kind, ...('why' in a ? { why: a.why } : {}) }, 'reconcile step');
        if (isRuntimeAction(a)) {
          if (!perform(s, ctx, a)) return;
          continue;
        }
        const again = spec.apply(s, ctx, o, a);
        spec.succeeded?.(s, a);
        if (!again) return;
      } catch (e) {
        // Expected failures (a transient store error, a rejected write) are retried with backoff
        // and reported by the kind; anything else is a defect: the kernel restarts the actor.
        if (!isApiError(e)) throw e;
        const delay = nextRetryDelay(s, spec.backoff, spec.random);
        ctx.timers.once(REQUEUE, { t: 'reconcile', cause: 'error' }, delay);
        if (!spec.failed(s, ctx, e, action, delay) || recorded) return;
        recorded = true;
      }
    }
    ctx.log.warn({ steps: MAX_STEPS }, 'reconcile did not settle; continuing on the next notification');
    ctx.timers.once(REQUEUE, { t: 'reconcile', cause: 'unsettled' }, UNSETTLED_MS);
  }

  function receive(s: S, msg: M, ctx: Ctx): S {
    if (!isRuntimeMsg(msg)) {
      if (spec.receive?.(s, msg, ctx)) reconcile(s, ctx);
      return s;
    }
    switch (msg.t) {
      case 'changed':
        spec.registry.taken(spec.uid);
        break;
      case 'reconcile':
        break;
      case 'opDone':
        if (msg.id !== s.operation?.id) return s; // a late result of an operation no longer tracked
        s.operation = undefined;
        spec.fold(s, ctx, msg.op, msg.result);
        break;
    }
    reconcile(s, ctx);
    return s;
  }

  const behavior: Behavior<S, M> = {
    init(ctx) {
      spec.registry.register(spec.uid, ctx.self, { t: 'changed' });
      ctx.self.tell({ t: 'reconcile', cause: 'init' });
      return spec.init();
    },
    receive,
    onTerminated(s, ev, ctx) {
      if (spec.onTerminated?.(s, ev, ctx)) reconcile(s, ctx);
      return s;
    },
    finalize(_s, _reason, _signal, ctx) {
      // Never stops live processes: a restart of this actor adopts them.
      spec.registry.unregister(spec.uid, ctx.self);
    },
  };
  return { behavior, reconcile, gone, startOp };
}

/** Why a child stopped after exhausting its restarts, or undefined for a clean stop. */
export function exhausted(reason: Reason): string | undefined {
  if (typeof reason !== 'object') return undefined;
  return reason.error instanceof Error ? reason.error.message : String(reason.error);
}

/**
 * Child actors by the uid of their object, and the "gave up at this generation" policy: a child
 * that exhausted its restart intensity is not spawned again for the same generation of its
 * object; a spec edit (a new generation) tries again.
 */
export class ResourceChildren {
  private readonly byUid = new Map<string, ActorRef<never>>();
  private readonly gaveUp = new Map<string, { readonly generation: number; readonly message: string }>();

  has(uid: string): boolean {
    return this.byUid.has(uid);
  }

  /** Spawns and watches the child for `uid` at `generation`, unless it runs or gave up at that generation. */
  ensure<M, CS, CM>(ctx: ActorContext<M>, uid: string, generation: number, spec: () => ChildSpec<CS, CM>): void {
    if (this.byUid.has(uid)) return;
    const failed = this.gaveUp.get(uid);
    if (failed?.generation === generation) return;
    this.gaveUp.delete(uid);
    const ref: ActorRef<never> = ctx.spawn(spec());
    ctx.watch(ref);
    this.byUid.set(uid, ref);
  }

  /** The object of `uid` is gone: stop its child (reason 'deleted'). */
  stopGone<M>(ctx: ActorContext<M>, uid: string): void {
    const ref = this.byUid.get(uid);
    if (!ref) return;
    this.byUid.delete(uid);
    void ctx.stop(ref, { reason: 'deleted' });
  }

  /**
   * A watched child ended: forgets it, and when it crashed for good records the generation it
   * gave up at (from `generationOf`, undefined when its object is gone). Returns its uid and the
   * crash text, or undefined when the child is not one of these.
   */
  terminated(ev: Terminated, generationOf: (uid: string) => number | undefined, message: (err: string) => string = (e) => e):
    { readonly uid: string; readonly error: string | undefined } | undefined {
    for (const [uid, ref] of this.byUid) {
      if (ref !== ev.ref) continue;
      this.byUid.delete(uid);
      const error = exhausted(ev.reason);
      if (error !== undefined) {
        const generation = generationOf(uid);
        if (generation !== undefined) this.gaveUp.set(uid, { generation, message: message(error) });
      }
      return { uid, error };
    }
    return undefined;
  }

  /** Why the child of `uid` is not running at `generation`, while it gave up at that generation. */
  failure(uid: string, generation: number): string | undefined {
    const f = this.gaveUp.get(uid);
    return f?.generation === generation ? f.message : undefined;
  }
}
