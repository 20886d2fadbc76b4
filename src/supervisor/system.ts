// The kernel: one nact system, the top-level actors, asks, dead letters and lifecycle events.
// It implements both the public Kernel and the Runtime that cells and contexts call back into.
import type { Logger } from 'pino';
import { Cell, RefImpl, type Incarnation, type PendingAsk, type Runtime } from './cell.js';
import { clampMs, realClock, trackedClock, type TrackedClock } from './clock.js';
import { DeadLetters } from './dead-letters.js';
import { kernelErrors } from './errors.js';
import { handle } from './handler.js';
import { requestStop } from './lifecycle.js';
import { Mailboxes } from './mailboxes.js';
import { DEFAULT_POLICY, DEFAULT_STASH_CAPACITY, resolvePolicy, validateSpec } from './policy.js';
import { INIT, PipedSignal, TerminatedSignal, TimerSignal } from './signals.js';
import type {
  ActorRef,
  ChildSpec,
  Clock,
  Kernel,
  KernelActivity,
  KernelEvent,
  KernelOptions,
  QuiescentOptions,
  Reason,
  RestartPolicy,
  Result,
  ShutdownOptions,
  StopOptions,
} from './types.js';

export class System implements Kernel, Runtime {
  readonly log: Logger;
  readonly clock: TrackedClock;
  readonly random: () => number;
  readonly mailboxes: Mailboxes<Cell>;
  readonly deadLetters: Kernel['deadLetters'];
  private readonly defaults: RestartPolicy;
  private readonly dead: DeadLetters;
  private readonly top = new Map<string, Cell>();
  private readonly listeners = new Set<(ev: KernelEvent) => void>();
  private closing: Promise<void> | undefined = undefined;
  /** Request message -> its ask, so a dead-lettered request fails its ask in O(1). */
  private readonly askByRequest = new WeakMap<object, PendingAsk>();
  /** Async work the kernel started and will hear back from (see beginWork). */
  private inFlight = 0;

  constructor(opts: KernelOptions) {
    this.log = opts.log;
    this.clock = trackedClock(opts.clock ?? realClock);
    this.random = opts.random ?? Math.random;
    this.defaults = resolvePolicy(DEFAULT_POLICY, opts.defaults);
    this.dead = new DeadLetters(this.clock, this.log, opts.deadLetterLogIntervalMs ?? 1000);
    const dead = this.dead;
    this.deadLetters = {
      get count() {
        return dead.count;
      },
      on: (fn) => dead.on(fn),
    };
    this.mailboxes = new Mailboxes<Cell>(
      (cell, msg) => handle(this, cell, msg),
      (err) => this.log.fatal({ err }, 'kernel defect: a mailbox handler threw'),
    );
  }

  // ---- Kernel ----

  spawn<S, M>(spec: ChildSpec<S, M>): ActorRef<M> {
    if (this.closing !== undefined) throw kernelErrors.kernelClosed();
    return this.spawnUnder(undefined, spec);
  }

  ask<M, R>(ref: ActorRef<M>, make: (reply: (r: R) => void) => M, timeoutMs: number): Promise<R> {
    const cell = this.cellOf(ref, 'ask target');
    return new Promise<R>((resolve, reject) => {
      if (cell.finished) {
        reject(kernelErrors.askStopped(cell.path, cell.finalReason ?? 'normal'));
        return;
      }
      const pending = new Ask<R>(this.clock, cell, resolve, reject);
      try {
        pending.msg = make(pending.reply);
      } catch (err) {
        reject(err);
        return;
      }
      (cell.asks ??= new Set()).add(pending);
      if (isObject(pending.msg)) this.askByRequest.set(pending.msg, pending);
      pending.arm(timeoutMs);
      this.mailboxes.post(cell.box, pending.msg);
    });
  }

  stop(ref: ActorRef<never>, opts?: StopOptions): Promise<Reason> {
    const cell = this.cellOf(ref, 'stop target');
    return requestStop(this, cell, opts?.reason ?? 'normal', opts?.mode ?? 'drain', opts?.timeoutMs, Infinity);
  }

  shutdown(opts: ShutdownOptions): Promise<void> {
    return (this.closing ??= this.runShutdown(opts));
  }

  inspect(fn: (ev: KernelEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  activity(): KernelActivity {
    return {
      queued: this.mailboxes.queued,
      running: this.mailboxes.running,
      inFlight: this.inFlight,
      nextTimerAt: this.clock.nextDue(),
    };
  }

  async quiescent(opts: QuiescentOptions = {}): Promise<void> {
    const horizonMs = opts.horizonMs ?? 1000;
    const turns = Math.max(1, opts.turns ?? 3);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    // Real time on purpose: with a manual clock only the test moves kernel time, and it must not hang.
    const giveUpAt = Date.now() + timeoutMs;
    let idleTurns = 0;
    for (;;) {
      const a = this.activity();
      const idle =
        a.queued === 0 && a.running === 0 && a.inFlight === 0 && (a.nextTimerAt === undefined || a.nextTimerAt > this.clock.now() + horizonMs);
      if (idle && ++idleTurns >= turns) return;
      if (!idle) idleTurns = 0;
      if (Date.now() > giveUpAt) throw kernelErrors.notQuiescent(timeoutMs, describeActivity(a, this.clock.now()));
      // An idle turn is one full macrotask turn (setImmediate); a busy one backs off a little.
      await new Promise<void>((r) => (idle ? setImmediate(r) : setTimeout(r, 1)));
    }
  }

  // ---- Runtime ----

  beginWork(): () => void {
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
    };
  }

  postTimer(inc: Incarnation, msg: unknown): void {
    this.mailboxes.post(inc.cell.box, new TimerSignal(inc, msg));
  }

  postPiped(inc: Incarnation, result: Result<unknown>, map: (r: Result<unknown>) => unknown): void {
    this.mailboxes.post(inc.cell.box, new PipedSignal(inc, result, map));
  }

  policyOf(cell: Cell): RestartPolicy {
    return resolvePolicy(this.defaults, cell.spec);
  }

  siblingsOf(cell: Cell): Map<string, Cell> {
    if (cell.parent === undefined) return this.top;
    return (cell.parent.children ??= new Map());
  }

  emit(ev: KernelEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(ev);
      } catch (err) {
        this.log.error({ err, event: ev.type }, 'inspect listener threw');
      }
    }
  }

  tell(cell: Cell, msg: unknown): void {
    if (cell.finished) this.dead.record(cell.path, msg);
    else this.mailboxes.post(cell.box, msg);
  }

  deadLetter(cell: Cell, msg: unknown, why: 'stopped' | 'overflow'): void {
    this.dead.record(cell.path, msg);
    // The ask that sent exactly this request can never be answered: fail it now, not at its timeout.
    if (cell.asks === undefined || cell.asks.size === 0 || !isObject(msg)) return;
    const a = this.askByRequest.get(msg);
    if (a === undefined || !cell.asks.has(a)) return;
    if (why === 'overflow') a.overflow();
    else a.fail(cell.stopReq?.reason ?? 'normal');
  }

  spawnChild<S, M>(parent: Incarnation, spec: ChildSpec<S, M>): ActorRef<M> {
    if (!parent.live) {
      throw kernelErrors.notSpawnable(`${parent.cell.path}/${String(spec.name)}`, `incarnation ${parent.n} of its parent has ended`);
    }
    return this.spawnUnder(parent.cell, spec);
  }

  stopFrom(inc: Incarnation, target: Cell, opts: StopOptions | undefined): Promise<Reason> {
    const self = inc.cell;
    if (target !== self && target.parent !== self) throw kernelErrors.notAChild(self.path, target.path);
    return requestStop(this, target, opts?.reason ?? 'normal', opts?.mode ?? 'drain', opts?.timeoutMs, Infinity, {
      selfExit: target === self,
    });
  }

  cellOf(ref: unknown, what: string): Cell {
    if (ref instanceof RefImpl && ref.cell.rt === this) return ref.cell;
    throw kernelErrors.foreignRef(what);
  }

  watch(inc: Incarnation, target: Cell): void {
    if (!inc.live || target === inc.cell) return;
    const watching = (inc.watching ??= new Set());
    if (watching.has(target)) return;
    watching.add(target);
    if (target.finished) {
      // A late watch still hears of the death, at once.
      const ev = { ref: target.ref, path: target.path, reason: target.finalReason ?? 'normal' };
      this.mailboxes.post(inc.cell.box, new TerminatedSignal(inc, target, ev, false));
      return;
    }
    (target.watchers ??= new Set()).add(inc.cell);
  }

  unwatch(inc: Incarnation, target: Cell): void {
    inc.watching?.delete(target);
    target.watchers?.delete(inc.cell);
  }

  // ---- internals ----

  private spawnUnder<S, M>(parent: Cell | undefined, spec: ChildSpec<S, M>): ActorRef<M> {
    validateSpec(spec);
    const path = `${parent === undefined ? '/user' : parent.path}/${spec.name}`;
    const siblings = parent === undefined ? this.top : (parent.children ??= new Map());
    if (siblings.has(spec.name)) throw kernelErrors.duplicateName(path);
    // The cell erases S and M; sound because it hands the behaviour only states the behaviour
    // returned and messages told through the ActorRef<M> returned below.
    const cell = new Cell(this, parent, spec.name, path, spec as ChildSpec<unknown, unknown>);
    siblings.set(spec.name, cell);
    this.mailboxes.post(cell.box, INIT);
    this.log.debug({ path }, 'spawned');
    this.emit({ type: 'spawned', path });
    return cell.ref;
  }

  private async runShutdown(opts: ShutdownOptions): Promise<void> {
    const deadlineAt = this.clock.now() + clampMs(opts.timeoutMs);
    const mode = opts.mode ?? 'drain';
    for (const cell of [...this.top.values()].reverse()) {
      await requestStop(this, cell, 'shutdown', mode, undefined, deadlineAt);
    }
    this.dead.close();
    this.mailboxes.shutdown();
  }
}

function describeActivity(a: KernelActivity, now: number): string {
  const timer = a.nextTimerAt === undefined ? 'none' : `in ${a.nextTimerAt - now} ms`;
  return `${a.queued} queued, ${a.running} running, ${a.inFlight} in flight, next timer ${timer}`;
}

const isObject = (v: unknown): v is object => (typeof v === 'object' && v !== null) || typeof v === 'function';

/** One pending ask: correlation by closure (the reply function), never by an id that can collide. */
class Ask<R> implements PendingAsk {
  msg: unknown = undefined;
  private done = false;
  private timer: unknown = undefined;

  constructor(
    private readonly clock: Clock,
    private readonly cell: Cell,
    private readonly resolve: (r: R) => void,
    private readonly reject: (e: unknown) => void,
  ) {}

  readonly reply = (r: R): void => {
    if (!this.end()) this.resolve(r);
  };

  arm(timeoutMs: number): void {
    const ms = clampMs(timeoutMs);
    this.timer = this.clock.setTimeout(
      () => {
        if (!this.end()) this.reject(kernelErrors.askTimeout(this.cell.path, ms));
      },
      ms,
      { unref: true },
    );
  }

  fail(reason: Reason): void {
    if (!this.end()) this.reject(kernelErrors.askStopped(this.cell.path, reason));
  }

  overflow(): void {
    if (!this.end()) this.reject(kernelErrors.askDropped(this.cell.path, this.cell.spec.stashCapacity ?? DEFAULT_STASH_CAPACITY));
  }

  /** Returns true if it had already ended. */
  private end(): boolean {
    if (this.done) return true;
    this.done = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.cell.asks?.delete(this);
    return false;
  }
}
