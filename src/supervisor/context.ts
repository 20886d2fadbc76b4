// An incarnation: one run of an actor, from init to the end of its finalize. It is also the
// ActorContext handed to the behaviour, so a context captured by a late callback still names
// the incarnation it belongs to, and everything it schedules dies with it.
import type { Logger } from 'pino';
import { asRef, type Cell } from './cell.js';
import { clampMs } from './clock.js';
import { describeReason } from './errors.js';
import { PipedSignal, TimerSignal } from './signals.js';
import type { ActorContext, ActorRef, ChildSpec, Reason, Result, StopOptions, Timers } from './types.js';

const abortError = (message: string) => new DOMException(message, 'AbortError');

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
  private timerTable: TimerTable | undefined = undefined;
  private logger: Logger | undefined = undefined;
  private endReason: Reason | undefined = undefined;

  constructor(
    readonly cell: Cell,
    readonly n: number,
  ) {}

  get self(): ActorRef<unknown> {
    return asRef(this.cell.ref);
  }
  get parent(): ActorRef<never> | undefined {
    const p = this.cell.parent;
    return p === undefined ? undefined : asRef<never>(p.ref);
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
    return (this.timerTable ??= new TimerTable(this));
  }

  now(): number {
    return this.cell.rt.clock.now();
  }
  spawn<CS, CM>(spec: ChildSpec<CS, CM>): ActorRef<CM> {
    return this.cell.rt.spawnChild(this, spec);
  }
  children(): ReadonlyArray<ActorRef<never>> {
    const kids = this.cell.children;
    return kids === undefined ? [] : Array.from(kids.values(), (c) => asRef<never>(c.ref));
  }
  child<CM = never>(name: string): ActorRef<CM> | undefined {
    const c = this.cell.children?.get(name);
    return c === undefined ? undefined : asRef<CM>(c.ref);
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
        this.cell.rt.mailboxes.post(this.cell.box, new PipedSignal(this, r, map as (r: Result<unknown>) => unknown));
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

interface TimerEntry {
  handle: unknown;
}

/** Keyed timers of one incarnation; all of them die with it. */
class TimerTable implements Timers<unknown> {
  private readonly entries = new Map<string, TimerEntry>();

  constructor(private readonly inc: Incarnation) {}

  once(key: string, msg: unknown, ms: number): void {
    this.arm(key, msg, clampMs(ms), false);
  }
  every(key: string, msg: unknown, ms: number): void {
    // At least 1 ms, so a zero period cannot spin (Node does the same).
    this.arm(key, msg, Math.max(1, clampMs(ms)), true);
  }
  cancel(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.inc.cell.rt.clock.clearTimeout(e.handle);
    this.entries.delete(key);
  }
  isActive(key: string): boolean {
    return this.entries.has(key);
  }
  cancelAll(): void {
    const clock = this.inc.cell.rt.clock;
    for (const e of this.entries.values()) clock.clearTimeout(e.handle);
    this.entries.clear();
  }

  private arm(key: string, msg: unknown, ms: number, repeat: boolean): void {
    this.cancel(key);
    if (!this.inc.live) return;
    const inc = this.inc;
    const { clock, mailboxes } = inc.cell.rt;
    const entry: TimerEntry = { handle: undefined };
    const fire = () => {
      if (this.entries.get(key) !== entry) return;
      if (repeat) entry.handle = clock.setTimeout(fire, ms);
      else this.entries.delete(key);
      // Through the mailbox, tagged with the incarnation: if it restarts first, the tick is dropped.
      mailboxes.post(inc.cell.box, new TimerSignal(inc, msg));
    };
    entry.handle = clock.setTimeout(fire, ms);
    this.entries.set(key, entry);
  }
}
