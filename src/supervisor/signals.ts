// Kernel signals: the envelopes the kernel sends through an actor's own mailbox, so lifecycle
// steps stay ordered with the mail. User messages travel unwrapped (no allocation per tell);
// a user can never construct these classes, so `instanceof SignalBase` tells them apart.
import type { Cell, Incarnation } from './cell.js';
import type { Result, Terminated } from './types.js';

abstract class SignalBase {}

/** Run init (first start, or after the backoff delay of a restart). */
export class InitSignal extends SignalBase {
  readonly kind = 'init';
}

/** An async init settled. */
export class InitDoneSignal extends SignalBase {
  readonly kind = 'init_done';
  constructor(
    readonly inc: Incarnation,
    readonly result: Result<unknown>,
  ) {
    super();
  }
}

/** A 'drain' stop reached the head of the queue. */
export class StopSignal extends SignalBase {
  readonly kind = 'stop';
}

/** The actor finished: everything queued before this has been dead-lettered; close the mailbox. */
export class FinishSignal extends SignalBase {
  readonly kind = 'finish';
}

/** A keyed timer fired for `inc`. */
export class TimerSignal extends SignalBase {
  readonly kind = 'timer';
  constructor(
    readonly inc: Incarnation,
    readonly msg: unknown,
  ) {
    super();
  }
}

/** A pipeToSelf promise settled for `inc`; map runs inside the handler, so a throw is a crash. */
export class PipedSignal extends SignalBase {
  readonly kind = 'piped';
  constructor(
    readonly inc: Incarnation,
    readonly result: Result<unknown>,
    readonly map: (r: Result<unknown>) => unknown,
  ) {
    super();
  }
}

/** `from` ended; `inc` is the recipient's incarnation when it was sent. */
export class TerminatedSignal extends SignalBase {
  readonly kind = 'terminated';
  constructor(
    readonly inc: Incarnation,
    readonly from: Cell,
    readonly ev: Terminated,
    /** The child exhausted its restarts with onExhausted 'escalate': the parent crashes. */
    readonly escalate: boolean,
  ) {
    super();
  }
}

export type Signal = InitSignal | InitDoneSignal | StopSignal | FinishSignal | TimerSignal | PipedSignal | TerminatedSignal;

export const isSignal = (m: unknown): m is Signal => m instanceof SignalBase;

/** Shared: these carry no data. */
export const INIT = new InitSignal();
export const STOP = new StopSignal();
export const FINISH = new FinishSignal();
