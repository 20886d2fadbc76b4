// A cell is the kernel's record of one actor across all its incarnations: its place in the tree,
// its mailbox, its phase, its restart history and its stop request. The ActorRef handed out is
// a thin view over the cell, so the same ref keeps working across restarts and goes to dead
// letters once the cell has stopped for good (a respawn under the same name is a new cell).
import type { Logger } from 'pino';
import type { Incarnation } from './context.js';
import type { Mailboxes, MailboxRef } from './mailboxes.js';
import { DEFAULT_SHUTDOWN_MS } from './policy.js';
import type { ActorRef, ChildSpec, Clock, KernelEvent, Reason, RestartPolicy, StopOptions } from './types.js';

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

/** The ActorRef implementation: no state of its own, everything reads through the cell. */
export class RefImpl {
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

/** The brand is a compile-time fiction: at runtime a ref is a RefImpl. */
export const asRef = <M>(r: RefImpl): ActorRef<M> => r as unknown as ActorRef<M>;
