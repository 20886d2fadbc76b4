// How incarnations end: a stop (for good) or a restart (after a failure). Both wind the
// incarnation down the same way: abort its signal, stop its children leaf-first in reverse
// creation order, wait for the handler in flight, run finalize once, all under a deadline
// after which the subtree's signals are aborted and what is left is finished by force.
import { type Cell, type Incarnation, type Runtime } from './cell.js';
import { describeReason, isCrash } from './errors.js';
import { addRestart, nextAttempt, nextDelay } from './policy.js';
import { FINISH, INIT, STOP, TerminatedSignal, isSignal } from './signals.js';
import type { Reason, Terminated } from './types.js';

const noop = (): void => undefined;

export interface StopFlags {
  /** The actor asked to stop itself: an exit, which 'permanent' (or 'transient' on error) restarts. */
  readonly selfExit?: boolean;
  /** Tell the parent to crash with this reason (onExhausted 'escalate'). */
  readonly escalate?: boolean;
}

/**
 * Asks `cell` to stop; resolves with the reason once it and its subtree have stopped. The
 * deadline is the earlier of the caller's (a parent stopping its children) and now + timeoutMs.
 * A second request keeps the first reason; it can only make the stop sooner ('now').
 */
export function requestStop(
  rt: Runtime,
  cell: Cell,
  reason: Reason,
  mode: 'drain' | 'now',
  timeoutMs: number | undefined,
  outerDeadline: number,
  flags: StopFlags = {},
): Promise<Reason> {
  const done = cell.whenFinished();
  if (cell.finished) return done;
  const now = rt.clock.now();
  const deadlineAt = Math.min(outerDeadline, now + (timeoutMs ?? cell.shutdownMs));
  const prev = cell.stopReq;
  if (prev !== undefined) {
    // Once begun, the wind-down keeps the deadline it started with.
    if (prev.begun) return done;
    if (deadlineAt < prev.deadlineAt) {
      prev.deadlineAt = deadlineAt;
      if (prev.drainTimer !== undefined) rt.clock.clearTimeout(prev.drainTimer);
      prev.drainTimer = rt.clock.setTimeout(() => beginStop(rt, cell), deadlineAt - now, { unref: true });
    }
    if (mode === 'now') {
      prev.mode = 'now';
      beginStop(rt, cell);
    }
    return done;
  }
  const req = (cell.stopReq = {
    reason,
    mode,
    deadlineAt,
    selfExit: flags.selfExit === true,
    escalate: flags.escalate === true,
    at: now,
    begun: false,
    drainTimer: undefined as unknown,
  });
  // Between restart attempts there is no mail to drain (it is stashed): stop at once (OTP).
  const betweenAttempts = cell.phase === 'restarting' || (cell.phase === 'pending' && cell.backoffTimer !== undefined);
  if (mode === 'now' || betweenAttempts) {
    beginStop(rt, cell);
  } else {
    rt.mailboxes.post(cell.box, STOP);
    // Bounds the wait for the queue ahead of STOP; at the deadline the stop begins anyway.
    if (deadlineAt < Infinity) {
      req.drainTimer = rt.clock.setTimeout(() => beginStop(rt, cell), deadlineAt - now, { unref: true });
    }
  }
  return done;
}

const restartsAfterExit = (restart: string, reason: Reason) =>
  restart === 'permanent' || (restart === 'transient' && isCrash(reason));

/** Starts winding `cell` down for good (called when a 'drain' stop reaches the head of the queue). */
export function beginStop(rt: Runtime, cell: Cell): void {
  const req = cell.stopReq;
  if (req === undefined || req.begun || cell.finished) return;
  req.begun = true;
  if (req.drainTimer !== undefined) rt.clock.clearTimeout(req.drainTimer);
  req.drainTimer = undefined;
  const inc = cell.inc;
  if (req.selfExit && inc?.live === true && restartsAfterExit(rt.policyOf(cell).restart, req.reason)) {
    cell.stopReq = undefined;
    fail(rt, cell, inc, req.reason);
    return;
  }
  cell.phase = 'stopping';
  if (cell.backoffTimer !== undefined) rt.clock.clearTimeout(cell.backoffTimer);
  cell.backoffTimer = undefined;
  const stash = cell.stash;
  cell.stash = undefined;
  if (stash !== undefined) for (const m of stash) if (!isSignal(m)) rt.deadLetter(cell, m, 'stopped');
  const ending = cell.ending;
  const run = async () => {
    if (ending !== undefined) {
      // A restart is winding the incarnation down already: finalize ran (or runs) there, once.
      const inTime = await within(rt, ending, req.deadlineAt, noop);
      if (!inTime) expireSubtree(rt, cell, undefined, req.reason, req.deadlineAt - req.at);
    } else if (inc !== undefined) {
      await endIncarnation(rt, cell, inc, req.reason, req.mode, req.deadlineAt, req.at);
    }
  };
  const done = rt.beginWork();
  run()
    .then(
      () => finish(rt, cell, req.reason),
      (err: unknown) => {
        rt.log.fatal({ err, path: cell.path }, 'kernel defect while stopping an actor');
        finish(rt, cell, req.reason);
      },
    )
    .finally(done);
}

/**
 * A crash (or an exit the restart type restarts): restart within the intensity limit, with
 * backoff, together with the siblings the parent's strategy names; past the limit (or for a
 * temporary actor) stop with the reason and, with onExhausted 'escalate', crash the parent.
 */
export function fail(rt: Runtime, cell: Cell, inc: Incarnation, reason: Reason): void {
  if (!inc.live || cell.inc !== inc || cell.finished) {
    // Failures of an incarnation that is already ending (an aborted operation, say) are not crashes.
    rt.log.debug({ path: cell.path, incarnation: inc.n, reason: describeReason(reason) }, 'failure after end ignored');
    return;
  }
  if (isCrash(reason)) {
    rt.log.error({ path: cell.path, incarnation: inc.n, err: reason.error }, 'crashed');
    rt.emit({ type: 'crashed', path: cell.path, incarnation: inc.n, error: reason.error });
  }
  if (cell.stopReq !== undefined) {
    // A stop was already requested: the failure only makes it begin now.
    cell.stopReq.mode = 'now';
    beginStop(rt, cell);
    return;
  }
  const pol = rt.policyOf(cell);
  const now = rt.clock.now();
  let exhausted = pol.restart === 'temporary';
  if (!exhausted) {
    cell.history = addRestart(cell.history ?? [], now, pol.intensity.withinMs);
    if (cell.history.length > pol.intensity.max) {
      exhausted = true;
      const { max, withinMs } = pol.intensity;
      rt.log.error({ path: cell.path, incarnation: inc.n, max, withinMs }, 'intensity_exceeded');
      rt.emit({ type: 'intensity_exceeded', path: cell.path, max, withinMs });
    }
  }
  if (exhausted) {
    const escalate = pol.onExhausted === 'escalate' && isCrash(reason);
    void requestStop(rt, cell, reason, 'now', undefined, Infinity, { escalate });
    return;
  }
  cell.attempt = nextAttempt(cell.attempt, cell.runningSince, now, pol.backoff.resetAfterMs);
  restartGroup(rt, cell, reason, cell.attempt, nextDelay(cell.attempt, pol.backoff, rt.random));
}

/** The siblings restarted with `crashed` under its parent's strategy, in creation order. */
function restartSet(rt: Runtime, crashed: Cell): Cell[] {
  const strategy = crashed.parent?.spec.strategy ?? 'one_for_one';
  if (strategy === 'one_for_one') return [crashed];
  const all = [...rt.siblingsOf(crashed).values()];
  const from = strategy === 'one_for_all' ? 0 : Math.max(0, all.indexOf(crashed));
  return all
    .slice(from)
    .filter((s) => s === crashed || (s.stopReq === undefined && (s.phase === 'running' || s.phase === 'starting')));
}

function restartGroup(rt: Runtime, crashed: Cell, reason: Reason, attempt: number, delayMs: number): void {
  const members: Cell[] = [];
  for (const s of restartSet(rt, crashed)) {
    // OTP: a temporary sibling taken down by the group restart is not restarted.
    if (s !== crashed && rt.policyOf(s).restart === 'temporary') void requestStop(rt, s, 'shutdown', 'now', undefined, Infinity);
    else members.push(s);
  }
  // Synchronously: from here on their mail is stashed and their old signals/timers are dead.
  for (const s of members) {
    s.phase = 'restarting';
    s.inc?.close(s === crashed ? reason : 'shutdown');
  }
  // End the incarnations one by one in reverse creation order (OTP), then restart in creation order.
  let chain: Promise<void> = Promise.resolve();
  for (const s of [...members].reverse()) {
    const inc = s.inc;
    if (inc === undefined) continue;
    const why = s === crashed ? reason : 'shutdown';
    chain = chain.then(() => endIncarnation(rt, s, inc, why, 'now', rt.clock.now() + s.shutdownMs, rt.clock.now()));
    s.ending = chain;
  }
  const done = rt.beginWork();
  chain.then(
    () => {
      for (const s of members) {
        s.ending = undefined;
        if (s.phase !== 'restarting') continue; // stopped meanwhile
        s.phase = 'pending';
        s.inc = undefined;
        s.runningSince = undefined;
        const ev = { path: s.path, incarnation: s.incarnation, attempt, delayMs, trigger: crashed.path };
        rt.log.warn(ev, 'restarting');
        rt.emit({ type: 'restarting', ...ev });
        // The new init goes through the mailbox (OTP's try_again_restart): a stop can overtake it.
        s.backoffTimer = rt.clock.setTimeout(() => {
          s.backoffTimer = undefined;
          rt.mailboxes.post(s.box, INIT);
        }, delayMs);
      }
      done();
    },
    (err: unknown) => {
      rt.log.fatal({ err, path: crashed.path }, 'kernel defect while restarting');
      done();
    },
  );
}

/** Winds one incarnation down within the deadline; never rejects. */
function endIncarnation(
  rt: Runtime,
  cell: Cell,
  inc: Incarnation,
  reason: Reason,
  mode: 'drain' | 'now',
  deadlineAt: number,
  startedAt: number,
): Promise<void> {
  inc.close(reason);
  const work = (async () => {
    await stopChildren(rt, cell, mode, deadlineAt);
    if (inc.pendingInit !== undefined) {
      // Let an async init settle so finalize can release what it acquired.
      const s = await inc.pendingInit.then(
        (v) => v,
        () => undefined,
      );
      if (inc.state === undefined) inc.state = s;
    }
    if (cell.inFlight !== undefined) await cell.inFlight;
    await runFinalize(rt, cell, inc, reason);
  })();
  return within(rt, work, deadlineAt, () => expireSubtree(rt, cell, inc, reason, deadlineAt - startedAt)).then(noop);
}

function stopChildren(rt: Runtime, cell: Cell, mode: 'drain' | 'now', deadlineAt: number): Promise<void> {
  const kids = cell.children;
  if (kids === undefined || kids.size === 0) return Promise.resolve();
  const order = [...kids.values()].reverse();
  if (cell.spec.stopChildren === 'parallel') {
    return Promise.all(order.map((c) => requestStop(rt, c, 'shutdown', mode, undefined, deadlineAt))).then(noop);
  }
  return (async () => {
    for (const c of order) await requestStop(rt, c, 'shutdown', mode, undefined, deadlineAt);
  })();
}

/** Resolves true if `p` settled before the deadline; otherwise calls onExpire and resolves false. */
function within(rt: Runtime, p: Promise<void>, deadlineAt: number, onExpire: () => void): Promise<boolean> {
  if (deadlineAt === Infinity) {
    return p.then(
      () => true,
      (err: unknown) => {
        rt.log.fatal({ err }, 'kernel defect while winding an actor down');
        return true;
      },
    );
  }
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const t = rt.clock.setTimeout(
      () => {
        if (settled) return;
        settled = true;
        onExpire();
        resolve(false);
      },
      deadlineAt - rt.clock.now(),
      { unref: true },
    );
    const done = () => {
      if (settled) return;
      settled = true;
      rt.clock.clearTimeout(t);
      resolve(true);
    };
    p.then(done, (err: unknown) => {
      rt.log.fatal({ err }, 'kernel defect while winding an actor down');
      done();
    });
  });
}

/** The deadline passed: abort every signal below, finish the children by force, start finalize if it has not. */
function expireSubtree(rt: Runtime, cell: Cell, inc: Incarnation | undefined, reason: Reason, timeoutMs: number): void {
  rt.log.warn({ path: cell.path, incarnation: Math.max(0, cell.incarnation), timeoutMs }, 'shutdown_timeout');
  rt.emit({ type: 'shutdown_timeout', path: cell.path, timeoutMs });
  inc?.expire();
  if (cell.children !== undefined) for (const c of [...cell.children.values()].reverse()) forceFinish(rt, c);
  if (inc !== undefined && !inc.finalizeStarted) void runFinalize(rt, cell, inc, reason);
}

function forceFinish(rt: Runtime, cell: Cell): void {
  if (cell.finished) return;
  if (cell.children !== undefined) for (const c of [...cell.children.values()].reverse()) forceFinish(rt, c);
  const reason = cell.stopReq?.reason ?? 'shutdown';
  const inc = cell.inc;
  if (inc !== undefined) {
    inc.close(reason);
    inc.expire();
    if (!inc.finalizeStarted) void runFinalize(rt, cell, inc, reason);
  }
  finish(rt, cell, reason);
}

/** Runs finalize at most once per incarnation; a throw or rejection is logged, never propagated. */
async function runFinalize(rt: Runtime, cell: Cell, inc: Incarnation, reason: Reason): Promise<void> {
  if (inc.finalizeStarted) return;
  inc.finalizeStarted = true;
  const b = cell.spec.behavior;
  if (b.finalize === undefined) return;
  try {
    await b.finalize(inc.state, reason, inc.finalizeSignal(), inc);
  } catch (err) {
    rt.log.error({ path: cell.path, incarnation: inc.n, err }, 'finalize_failed');
    rt.emit({ type: 'finalize_failed', path: cell.path, incarnation: inc.n, error: err });
  }
}

/**
 * The cell is gone: close its mailbox (after dead-lettering what is queued), free its name,
 * fail its pending asks, then announce the death to its parent and watchers. Idempotent.
 */
export function finish(rt: Runtime, cell: Cell, reason: Reason): void {
  if (cell.finished) return;
  const req = cell.stopReq;
  cell.phase = 'stopped';
  if (cell.backoffTimer !== undefined) rt.clock.clearTimeout(cell.backoffTimer);
  if (req?.drainTimer !== undefined) rt.clock.clearTimeout(req.drainTimer);
  cell.backoffTimer = undefined;
  cell.inc?.close(reason);
  cell.inc = undefined;
  cell.stash = undefined;
  cell.inFlight = undefined;
  rt.mailboxes.closeSoon(cell.box);
  rt.mailboxes.post(cell.box, FINISH);
  const siblings = rt.siblingsOf(cell);
  if (siblings.get(cell.name) === cell) siblings.delete(cell.name);
  if (cell.asks !== undefined) {
    const asks = cell.asks;
    cell.asks = undefined;
    for (const a of asks) a.fail(reason);
  }
  const ms = req === undefined ? 0 : rt.clock.now() - req.at;
  const fields = { path: cell.path, incarnation: Math.max(0, cell.incarnation), reason: describeReason(reason), ms };
  if (isCrash(reason) || reason === 'deleted') rt.log.info(fields, 'stopped');
  else rt.log.debug(fields, 'stopped');
  rt.emit({ type: 'stopped', path: cell.path, reason, ms });
  const ev: Terminated = { ref: cell.ref, path: cell.path, reason };
  const escalate = req?.escalate === true;
  const parent = cell.parent;
  if (parent !== undefined) notify(rt, parent, cell, ev, escalate);
  else if (escalate) rt.log.error({ path: cell.path }, 'escalation reached the top level; the actor stays stopped');
  if (cell.watchers !== undefined) {
    for (const w of cell.watchers) if (w !== parent) notify(rt, w, cell, ev, false);
    cell.watchers = undefined;
  }
  cell.settle(reason);
}

function notify(rt: Runtime, to: Cell, from: Cell, ev: Terminated, escalate: boolean): void {
  const inc = to.inc;
  if (to.finished || inc === undefined || !inc.live) return;
  rt.mailboxes.post(to.box, new TerminatedSignal(inc, from, ev, escalate));
}
