// What a LimaVM actor does when something comes back: an operation's result, a hostagent event,
// or the daemon's shutdown request. Results become conditions and backoff; then it plans again.
import type { LimaVM } from '../../api/index.js';
import type { Result } from '../../supervisor/types.js';
import type { Ctx, Kit, ShutdownState, VmState } from './config.js';
import { observeDisk } from './disk.js';
import { stopWatcher, writeStatus } from './effects.js';
import * as fold from './fold.js';
import type { OpOutcome, VmMsg } from './messages.js';
import { failureText, isCancelled } from './ops.js';
import type { OpRequest } from './plan.js';

/** Starts an operation through the runtime (the daemon's shutdown stop). */
export type StartOp = (s: VmState, ctx: Ctx, op: OpRequest) => void;

/** Takes an operation's result into the actor's memory and the VM's status; the runtime plans again. */
export function onResult(k: Kit, start: StartOp, s: VmState, ctx: Ctx, op: OpRequest, r: Result<OpOutcome>): void {
  const { driver, cfg } = k.deps;
  const vm = k.readVm();
  const now = ctx.now();
  const cancelled = !r.ok && isCancelled(r.error);
  if (!r.ok && !cancelled) ctx.log.warn({ op: op.kind, err: failureText(r.error) }, 'operation failed');
  else ctx.log.info({ op: op.kind, cancelled }, 'operation finished');

  if (s.shutdown) {
    if (op.kind === 'stop' && op.purpose === 'shutdown' && !(cancelled && s.shutdown.graceMs < op.graceMs)) {
      const f = fold.foldShutdownStop(memoryOf(s), r, vm);
      s.shutdown.stopped = f.stopped;
      s.shutdown.forced = f.forced;
      perform(k, s, ctx, vm, f);
      finishShutdown(k, s.shutdown);
    } else {
      beginShutdownStop(k, start, s, ctx);
    }
    return;
  }
  if (!vm || cancelled) return; // the next pass sees the object gone, or plans again
  const hostagentAlive = op.kind === 'start' && !r.ok && aliveOnDisk(k);
  perform(k, s, ctx, vm, fold.foldResult(memoryOf(s), op, r, {
    vm, now, cfg, random: k.deps.random, hostagentAlive, simulator: driver.binary.kind === 'simulator',
  }));
}

/** An event of the current watcher; false (nothing to plan) for an older watcher's. */
export function onHostagent(k: Kit, s: VmState, ctx: Ctx, msg: Extract<VmMsg, { t: 'hostagent' }>): boolean {
  if (!s.watcher || msg.gen !== s.watcher.gen) return false;
  const vm = k.readVm();
  const op = s.operation?.op;
  // During the daemon's shutdown, or while a stop or delete of ours runs, an exit is expected.
  const stopping = op?.kind === 'stop' || op?.kind === 'deleteInstance' || s.shutdown !== undefined;
  const f = fold.foldEvent(memoryOf(s), msg.ev, { vm, now: ctx.now(), cfg: k.deps.cfg, random: k.deps.random, stopping });
  if (msg.ev.type === 'malformed') {
    perform(k, s, ctx, vm, f);
    return false;
  }
  ctx.log.debug({ event: msg.ev.type, phase: f.memory.watcher?.phase }, 'hostagent event');
  perform(k, s, ctx, vm, f);
  return true;
}

function aliveOnDisk(k: Kit): boolean {
  const disk = observeDisk(k.deps.driver, k.id.name);
  return disk.status === 'Running' || disk.status === 'Broken';
}

function memoryOf(s: VmState): fold.Memory {
  const { failures, lastFailure, retryAt, attemptFailed, failedStartCleanup } = s.retry;
  const watcher = s.watcher && { phase: s.watcher.phase, degradedErrors: s.watcher.degradedErrors };
  return { attempts: s.attempts, failures, lastFailure, retryAt, attemptFailed, failedStartCleanup, watcher };
}

/** Performs a fold: the new memory, its log lines, the watcher stop, the status write, the requeue. */
function perform(k: Kit, s: VmState, ctx: Ctx, vm: LimaVM | undefined, f: fold.Folded): void {
  const { attempts, watcher, ...retry } = f.memory;
  s.attempts = attempts;
  s.retry = { ...s.retry, ...retry };
  if (f.stopWatcher || !watcher) stopWatcher(s, ctx);
  else if (s.watcher) {
    s.watcher.phase = watcher.phase;
    s.watcher.degradedErrors = watcher.degradedErrors;
  }
  for (const l of f.log) ctx.log[l.level](l.fields, l.msg);
  if (f.status && vm) writeStatus(k.deps.store, vm, f.status, ctx.now());
  if (f.requeueAfterMs !== undefined) ctx.timers.once('requeue', { t: 'reconcile', cause: 'backoff' }, f.requeueAfterMs);
}

/** Daemon shutdown: abort what runs, then stop a live hostagent gracefully within the grace. */
export function beginShutdownStop(k: Kit, start: StartOp, s: VmState, ctx: Ctx): void {
  const sd = s.shutdown;
  if (!sd) return;
  if (s.operation) {
    if (s.operation.op.kind !== 'stop') s.operation.abort.abort(new Error('daemon shutdown'));
    return; // continue when the operation reports back
  }
  const disk = observeDisk(k.deps.driver, k.id.name);
  if (disk.status === 'Running' || disk.status === 'Broken') {
    start(s, ctx, { kind: 'stop', graceMs: sd.graceMs, purpose: 'shutdown' });
    return;
  }
  finishShutdown(k, sd);
}

function finishShutdown(k: Kit, sd: ShutdownState): void {
  for (const reply of sd.replies.splice(0)) reply({ name: k.id.name, forced: sd.forced, stopped: sd.stopped });
}
