// The mailbox handler: what happens to one message. nact runs it one message at a time per
// actor and awaits what it returns, so an actor's handlers never overlap. It never throws: user
// failures become crashes (fail), and lifecycle work that waits on the outside world (children
// stopping, finalize, backoff) runs outside it, so the mailbox keeps moving (stash / dead letters).
import { Incarnation, type Cell, type Runtime } from './cell.js';
import { undefinedState } from './errors.js';
import { beginStop, fail } from './lifecycle.js';
import { DEFAULT_STASH_CAPACITY } from './policy.js';
import { InitDoneSignal, StopSignal, TerminatedSignal, isSignal, type Signal } from './signals.js';

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v instanceof Promise ||
  (typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function');

export function handle(rt: Runtime, cell: Cell, msg: unknown): Cell | Promise<Cell> {
  if (isSignal(msg)) return onSignal(rt, cell, msg);
  const inc = cell.inc;
  if (cell.phase === 'running' && inc !== undefined) return runUser(rt, cell, inc, msg);
  if (cell.phase === 'stopping' || cell.phase === 'stopped') rt.deadLetter(cell, msg, 'stopped');
  else stash(rt, cell, msg);
  return cell;
}

function onSignal(rt: Runtime, cell: Cell, sig: Signal): Cell | Promise<Cell> {
  switch (sig.kind) {
    case 'init':
      // A drain stop may be queued behind this init: the actor starts, drains, then stops.
      return cell.phase === 'pending' && cell.backoffTimer === undefined ? startInit(rt, cell) : cell;
    case 'init_done':
      if (!current(cell, sig.inc) || cell.phase !== 'starting') return cell;
      sig.inc.pendingInit = undefined;
      if (!sig.result.ok) {
        fail(rt, cell, sig.inc, { error: sig.result.error });
        return cell;
      }
      return startRunning(rt, cell, sig.inc, sig.result.value);
    case 'stop':
      // During an async init, a drain stop waits its turn behind the stashed mail.
      if (cell.phase === 'starting' && cell.stopReq?.begun === false && stashRoom(cell)) stash(rt, cell, sig);
      else beginStop(rt, cell);
      return cell;
    case 'finish':
      rt.mailboxes.close(cell.box);
      return cell;
    case 'timer':
      return current(cell, sig.inc) ? deliver(rt, cell, sig.inc, sig.msg) : cell;
    case 'piped': {
      if (!current(cell, sig.inc)) return cell;
      let m: unknown;
      try {
        m = sig.map(sig.result);
      } catch (error) {
        fail(rt, cell, sig.inc, { error });
        return cell;
      }
      return deliver(rt, cell, sig.inc, m);
    }
    case 'terminated':
      if (!current(cell, sig.inc)) return cell;
      if (cell.phase !== 'running') {
        stash(rt, cell, sig);
        return cell;
      }
      return onTerminated(rt, cell, sig.inc, sig);
  }
}

/** The incarnation the signal was meant for is the live one. */
const current = (cell: Cell, inc: Incarnation) => cell.inc === inc && inc.live;

function deliver(rt: Runtime, cell: Cell, inc: Incarnation, msg: unknown): Cell | Promise<Cell> {
  if (cell.phase === 'running') return runUser(rt, cell, inc, msg);
  stash(rt, cell, msg);
  return cell;
}

const stashRoom = (cell: Cell) => (cell.stash?.length ?? 0) < (cell.spec.stashCapacity ?? DEFAULT_STASH_CAPACITY);

function stash(rt: Runtime, cell: Cell, msg: unknown): void {
  const st = (cell.stash ??= []);
  if (stashRoom(cell)) st.push(msg);
  else if (!isSignal(msg)) rt.deadLetter(cell, msg, 'overflow');
  else rt.log.warn({ path: cell.path }, 'stash full: death notice dropped');
}

function startInit(rt: Runtime, cell: Cell): Cell | Promise<Cell> {
  const inc = new Incarnation(cell, ++cell.incarnation);
  cell.inc = inc;
  cell.phase = 'starting';
  let r: unknown;
  try {
    r = cell.spec.behavior.init(inc);
  } catch (error) {
    fail(rt, cell, inc, { error });
    return cell;
  }
  if (isThenable(r)) {
    // Runs outside the mailbox: meanwhile mail is stashed and a stop can get through.
    const p = Promise.resolve(r);
    inc.pendingInit = p;
    const done = rt.beginWork();
    p.then(
      (value) => rt.mailboxes.post(cell.box, new InitDoneSignal(inc, { ok: true, value })),
      (error: unknown) => rt.mailboxes.post(cell.box, new InitDoneSignal(inc, { ok: false, error })),
    ).finally(done);
    return cell;
  }
  return startRunning(rt, cell, inc, r);
}

function startRunning(rt: Runtime, cell: Cell, inc: Incarnation, state: unknown): Cell | Promise<Cell> {
  if (state === undefined) {
    fail(rt, cell, inc, { error: undefinedState(cell.path, 'init') });
    return cell;
  }
  inc.state = state;
  cell.phase = 'running';
  cell.runningSince = rt.clock.now();
  rt.log.debug({ path: cell.path, incarnation: inc.n }, 'started');
  rt.emit({ type: 'started', path: cell.path, incarnation: inc.n });
  const queue = cell.stash;
  if (queue === undefined) return cell;
  cell.stash = undefined;
  return replay(rt, cell, inc, queue, 0);
}

/** Replays the stash in order, in this same turn, ahead of any later mail. */
function replay(rt: Runtime, cell: Cell, inc: Incarnation, queue: unknown[], from: number): Cell | Promise<Cell> {
  for (let i = from; i < queue.length; i++) {
    if (cell.phase !== 'running' || cell.inc !== inc) {
      requeue(rt, cell, queue.slice(i));
      return cell;
    }
    const m = queue[i];
    let r: Cell | Promise<Cell> = cell;
    if (m instanceof TerminatedSignal) r = m.inc === inc ? onTerminated(rt, cell, inc, m) : cell;
    else if (m instanceof StopSignal) beginStop(rt, cell);
    else r = runUser(rt, cell, inc, m);
    if (r instanceof Promise) return r.then(() => replay(rt, cell, inc, queue, i + 1));
  }
  return cell;
}

/** A replay was cut short: keep the rest for the next incarnation, or dead-letter it if stopping. */
function requeue(rt: Runtime, cell: Cell, rest: unknown[]): void {
  if (cell.phase === 'stopping' || cell.phase === 'stopped') {
    for (const m of rest) if (!isSignal(m)) rt.deadLetter(cell, m, 'stopped');
    return;
  }
  cell.stash = cell.stash === undefined ? rest : rest.concat(cell.stash);
}

function runUser(rt: Runtime, cell: Cell, inc: Incarnation, msg: unknown): Cell | Promise<Cell> {
  let r: unknown;
  try {
    r = cell.spec.behavior.receive(inc.state, msg, inc);
  } catch (error) {
    fail(rt, cell, inc, { error });
    return cell;
  }
  return settle(rt, cell, inc, r, 'receive');
}

function onTerminated(rt: Runtime, cell: Cell, inc: Incarnation, sig: TerminatedSignal): Cell | Promise<Cell> {
  const isChild = sig.from.parent === cell;
  const watched = inc.watching?.delete(sig.from) === true;
  if (!isChild && !watched) return cell; // unwatched after the notice was sent
  if (sig.escalate && isChild && typeof sig.ev.reason === 'object') {
    fail(rt, cell, inc, sig.ev.reason);
    return cell;
  }
  const b = cell.spec.behavior;
  if (b.onTerminated === undefined) return cell;
  let r: unknown;
  try {
    r = b.onTerminated(inc.state, sig.ev, inc);
  } catch (error) {
    fail(rt, cell, inc, { error });
    return cell;
  }
  return settle(rt, cell, inc, r, 'onTerminated');
}

/** Commits a handler's result (sync or async); undefined, a throw or a rejection is a crash. */
function settle(rt: Runtime, cell: Cell, inc: Incarnation, r: unknown, handler: string): Cell | Promise<Cell> {
  if (!isThenable(r)) {
    commit(rt, cell, inc, r, handler);
    return cell;
  }
  const p = Promise.resolve(r).then(
    (s) => {
      cell.inFlight = undefined;
      commit(rt, cell, inc, s, handler);
      return cell;
    },
    (error: unknown) => {
      cell.inFlight = undefined;
      fail(rt, cell, inc, { error });
      return cell;
    },
  );
  cell.inFlight = p;
  return p;
}

function commit(rt: Runtime, cell: Cell, inc: Incarnation, s: unknown, handler: string): void {
  if (inc.finalizeStarted) return; // too late: finalize already has the state it will get
  if (s === undefined) {
    fail(rt, cell, inc, { error: undefinedState(cell.path, handler) });
    return;
  }
  inc.state = s;
}
