// A cell is the kernel's record of one actor across all its incarnations: its place in the tree,
// its mailbox, its phase, its restart history and its stop request. The ActorRef handed out is
// a thin view over the cell, so the same ref keeps working across restarts and goes to dead
// letters once the cell has stopped for good (a respawn under the same name is a new cell).
// An incarnation is one run of the actor, from init to the end of its finalize. Cell and
// Incarnation refer to each other, so they live in this one module; everything they need from the
// rest of the kernel goes through Runtime (implemented by System), which keeps the imports acyclic.
import type { Logger } from 'pino';
import { describeReason } from './errors.js';
import type { Mailboxes, MailboxRef } from './mailboxes.js';
import { DEFAULT_SHUTDOWN_MS } from './policy.js';
import { KeyedTimers } from './timers.js';
import type { ActorContext, ActorRef, ChildSpec, Clock, KernelEvent, Reason, refBrand, RestartPolicy, Result, StopOptions, Timers } from './types.js';

/**
 * pending: waiting for its init signal (first start or restart backoff); starting: async init
 * running; running: handling mail; restarting: the crashed incarnation is being wound down;
 * stopping: winding down for good; stopped: finished (terminal).
 */
export type Phase = 'pending' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

/** What the kernel offers cells and contexts (implemented by System; keeps the imports acyclic). */
export interface Runtime {
  readonly clock: Clock;
  readonly log: Logger;
  readonly mailboxes: Mailboxes<Cell>;
  readonly random: () => number;
  policyOf(cell: Cell): RestartPolicy;
  /** The map `cell` lives in: its parent's children, or the top level. */
  siblingsOf(cell: Cell): Map<string, Cell>;
  emit(ev: KernelEvent): void;
  tell(cell: Cell, msg: unknown): void;
  /** `msg` cannot be delivered: counted, and a pending ask waiting on exactly it fails now. */
  deadLetter(cell: Cell, msg: unknown, why: 'stopped' | 'overflow'): void;
  spawnChild<S, M>(parent: Incarnation, spec: ChildSpec<S, M>): ActorRef<M>;
  stopFrom(inc: Incarnation, target: Cell, opts: StopOptions | undefined): Promise<Reason>;
  cellOf(ref: unknown, what: string): Cell;
  watch(inc: Incarnation, target: Cell): void;
  unwatch(inc: Incarnation, target: Cell): void;
  /** Counts async work the kernel will hear back from (for quiescence); call the result once it has. */
  beginWork(): () => void;
  /** A keyed timer of `inc` fired: its message goes through the mailbox, tagged with the incarnation. */
  postTimer(inc: Incarnation, msg: unknown): void;
  /** A pipeToSelf promise of `inc` settled: `map(result)` runs in the handler, for that incarnation only. */
  postPiped(inc: Incarnation, result: Result<unknown>, map: (r: Result<unknown>) => unknown): void;
}

export interface StopRequest {
  readonly reason: Reason;
  mode: 'drain' | 'now';
  deadlineAt: number;
  /** The actor stopped itself (ctx.stop(ctx.self)): an exit, which the restart type may restart. */
  readonly selfExit: boolean;
  /** Exhausted with onExhausted 'escalate': the parent crashes when it hears of this. */
  readonly escalate: boolean;
  readonly at: number;
  begun: boolean;
  /** Bounds the wait for a 'drain' stop to reach the head of the queue. */
  drainTimer: unknown;
}

export interface PendingAsk {
  fail(reason: Reason): void;
  overflow(): void;
}

export class Cell {
  phase: Phase = 'pending';
  /** The live (or winding-down) incarnation; undefined between incarnations. */
  inc: Incarnation | undefined = undefined;
  /** Number of the current or last incarnation (0 = first run). */
  incarnation = -1;
  children: Map<string, Cell> | undefined = undefined;
  watchers: Set<Cell> | undefined = undefined;
  asks: Set<PendingAsk> | undefined = undefined;
  /** Mail (and death notices) held while there is no running incarnation. */
  stash: unknown[] | undefined = undefined;
  /** The handler in progress (async receive), awaited before finalize. */
  inFlight: Promise<unknown> | undefined = undefined;
  /** Restart timestamps inside the intensity window (allocated at the first failure). */
  history: number[] | undefined = undefined;
  attempt = 0;
  runningSince: number | undefined = undefined;
  backoffTimer: unknown = undefined;
  /** Set while a restart winds the incarnation down; a stop arriving then waits for it. */
  ending: Promise<void> | undefined = undefined;
  stopReq: StopRequest | undefined = undefined;
  finalReason: Reason | undefined = undefined;
  private final: { promise: Promise<Reason>; resolve: (r: Reason) => void } | undefined = undefined;
  readonly box: MailboxRef;
  readonly ref: RefImpl;

  constructor(
    readonly rt: Runtime,
    readonly parent: Cell | undefined,
    readonly name: string,
    readonly path: string,
    readonly spec: ChildSpec<unknown, unknown>,
  ) {
    this.ref = new RefImpl(this);
    this.box = rt.mailboxes.create(this);
  }

  get finished(): boolean {
    return this.phase === 'stopped';
  }

  get shutdownMs(): number {
    const s = this.spec.shutdownMs;
    return s === undefined ? DEFAULT_SHUTDOWN_MS : s === 'infinity' ? Infinity : s;
  }

  /** Resolves once the cell has stopped for good (with its whole subtree). */
  whenFinished(): Promise<Reason> {
    if (this.final === undefined) {
      let resolve!: (r: Reason) => void;
      const promise = new Promise<Reason>((r) => (resolve = r));
      this.final = { promise, resolve };
      if (this.finalReason !== undefined) resolve(this.finalReason);
    }
    return this.final.promise;
  }

  settle(reason: Reason): void {
    this.finalReason = reason;
    this.final?.resolve(reason);
  }
}

/**
 * The ActorRef implementation: no state of its own, everything reads through the cell. It takes
 * any message, so it stands for an ActorRef<M> of every M (the brand is contravariant in M).
 */
export class RefImpl implements ActorRef<unknown> {
  declare readonly [refBrand]: (m: unknown) => void;
  constructor(readonly cell: Cell) {}
  get path(): string {
    return this.cell.path;
  }
  get incarnation(): number {
    return Math.max(0, this.cell.incarnation);
  }
  get alive(): boolean {
    return !this.cell.finished;
  }
  get stopped(): Promise<Reason> {
    return this.cell.whenFinished();
  }
  tell(msg: unknown): void {
    this.cell.rt.tell(this.cell, msg);
  }
  toString(): string {
    return `ActorRef(${this.cell.path}#${this.incarnation})`;
  }
  toJSON(): { path: string; incarnation: number } {
    return { path: this.cell.path, incarnation: this.incarnation };
  }
}

const abortError = (message: string) => new DOMException(message, 'AbortError');

/**
 * One run of an actor. It is also the ActorContext handed to the behaviour, so a context captured
 * by a late callback still names the incarnation it belongs to, and everything it schedules dies with it.
 */
export class Incarnation implements ActorContext<unknown> {
  state: unknown = undefined;
  /** False once the incarnation started ending: its timers, completions and spawns are void. */
  live = true;
  finalizeStarted = false;
  /** Its shutdown deadline passed: every signal it hands out is aborted. */
  expired = false;
  /** An async init still running. */
  pendingInit: Promise<unknown> | undefined = undefined;
  /** Actors this incarnation watches (besides its children). */
  watching: Set<Cell> | undefined = undefined;
  private ac: AbortController | undefined = undefined;
  private finalizeAc: AbortController | undefined = undefined;
  private timerTable: KeyedTimers | undefined = undefined;
  private logger: Logger | undefined = undefined;
  private endReason: Reason | undefined = undefined;

  constructor(
    readonly cell: Cell,
    readonly n: number,
  ) {}

  get self(): ActorRef<unknown> {
    return this.cell.ref;
  }
  get parent(): ActorRef<never> | undefined {
    const p = this.cell.parent;
    return p === undefined ? undefined : p.ref;
  }
  get path(): string {
    return this.cell.path;
  }
  get log(): Logger {
    return (this.logger ??= this.cell.rt.log.child({ path: this.cell.path, incarnation: this.n }));
  }
  /** Created on first use (most actors never ask), already aborted if the incarnation has ended. */
  get signal(): AbortSignal {
    if (this.ac === undefined) {
      this.ac = new AbortController();
      if (!this.live) this.ac.abort(this.endError());
    }
    return this.ac.signal;
  }
  get timers(): Timers<unknown> {
    // Ticks go through the mailbox, tagged with this incarnation: if it restarts first, they are dropped.
    return (this.timerTable ??= new KeyedTimers(
      this.cell.rt.clock,
      () => this.live,
      (msg) => this.cell.rt.postTimer(this, msg),
    ));
  }

  now(): number {
    return this.cell.rt.clock.now();
  }
  spawn<CS, CM>(spec: ChildSpec<CS, CM>): ActorRef<CM> {
    return this.cell.rt.spawnChild(this, spec);
  }
  children(): ReadonlyArray<ActorRef<never>> {
    const kids = this.cell.children;
    return kids === undefined ? [] : Array.from(kids.values(), (c) => c.ref);
  }
  child<CM = never>(name: string): ActorRef<CM> | undefined {
    const c = this.cell.children?.get(name);
    return c === undefined ? undefined : c.ref;
  }
  stop(target: ActorRef<never>, opts?: StopOptions): Promise<Reason> {
    return this.cell.rt.stopFrom(this, this.cell.rt.cellOf(target, 'stop target'), opts);
  }
  watch(ref: ActorRef<never>): void {
    this.cell.rt.watch(this, this.cell.rt.cellOf(ref, 'watch target'));
  }
  unwatch(ref: ActorRef<never>): void {
    this.cell.rt.unwatch(this, this.cell.rt.cellOf(ref, 'unwatch target'));
  }
  pipeToSelf<T>(p: Promise<T>, map: (r: Result<T>) => unknown): void {
    const done = this.cell.rt.beginWork();
    const deliver = (r: Result<T>) => {
      // Posted before done(): the completion is counted as mail before it stops counting as in flight.
      try {
        // A completion for an ended incarnation is dropped here, never handed to the next one.
        if (!this.live) {
          this.cell.rt.log.debug({ path: this.cell.path, incarnation: this.n }, 'late completion dropped');
          return;
        }
        this.cell.rt.postPiped(this, r, map as (r: Result<unknown>) => unknown);
      } finally {
        done();
      }
    };
    Promise.resolve(p).then(
      (value) => deliver({ ok: true, value }),
      (error: unknown) => deliver({ ok: false, error }),
    );
  }

  /** Ends the incarnation's life (idempotent): aborts ctx.signal, cancels timers, drops watches. */
  close(reason: Reason): void {
    if (!this.live) return;
    this.live = false;
    this.endReason = reason;
    this.ac?.abort(this.endError());
    this.timerTable?.cancelAll();
    if (this.watching !== undefined) {
      for (const target of this.watching) target.watchers?.delete(this.cell);
      this.watching = undefined;
    }
  }

  /** The deadline passed: abort everything this incarnation handed out, finalize's signal included. */
  expire(): void {
    this.expired = true;
    const err = abortError(`shutdown deadline of ${this.cell.path} passed`);
    if (this.ac !== undefined && !this.ac.signal.aborted) this.ac.abort(err);
    this.finalizeAc?.abort(err);
  }

  /** The signal passed to finalize: live until the shutdown deadline. */
  finalizeSignal(): AbortSignal {
    if (this.finalizeAc === undefined) {
      this.finalizeAc = new AbortController();
      if (this.expired) this.finalizeAc.abort(abortError(`shutdown deadline of ${this.cell.path} passed`));
    }
    return this.finalizeAc.signal;
  }

  private endError(): DOMException {
    const why = this.endReason === undefined ? 'ended' : `ended (${describeReason(this.endReason)})`;
    return abortError(`incarnation ${this.n} of ${this.cell.path} ${why}`);
  }
}
