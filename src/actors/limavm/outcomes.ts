// What a LimaVM actor does when something comes back: an operation's result, a hostagent event,
// or the daemon's shutdown request. Results become conditions and backoff; then it plans again.

/** Starts an operation through the runtime (the daemon's shutdown stop). */
export type StartOp = (s: VmState, ctx: Ctx, op: OpRequest) => void;
import type { Result } from '../../supervisor/types.js';
import type { Ctx, Kit, ShutdownState, VmState } from './config.js';
import { observeDisk } from './disk.js';
import { recordFailure, stopWatcher, teardownFailed, writeStatus } from './effects.js';
import type { OpOutcome, VmMsg } from './messages.js';
import { failureText, isCancelled } from './ops.js';
import type { OpRequest } from './plan.js';
import { Created, Running } from './reasons.js';
import { nextRetryDelay, seconds } from '../backoff.js';

/** Takes an operation's result into the actor's memory and the VM's status; the runtime plans again. */
export function foldResult(k: Kit, start: StartOp, s: VmState, ctx: Ctx, op: OpRequest, r: Result<OpOutcome>): void {
  const { store, driver, cfg } = k.deps;
  const vm = k.readVm();
  const now = ctx.now();
  const cancelled = !r.ok && isCancelled(r.error);
  if (!r.ok && !cancelled) ctx.log.warn({ op: op.kind, err: failureText(r.error) }, 'operation failed');
  else ctx.log.info({ op: op.kind, cancelled }, 'operation finished');

  if (s.shutdown) {
    if (op.kind === 'stop' && op.purpose === 'shutdown' && !(cancelled && s.shutdown.graceMs < op.graceMs)) {
      s.shutdown.stopped = r.ok;
      s.shutdown.forced = r.ok && r.value.kind === 'stopped' && r.value.outcome.forced;
      if (vm && r.ok) {
        writeStatus(store, vm, { conditions: [{ type: 'Running', status: 'False', reason: 'Stopped', message: 'Lima instance stopped because the daemon shut down', observedGeneration: vm.metadata.generation }] }, now);
      }
      finishShutdown(k, s.shutdown);
    } else {
      beginShutdownStop(k, start, s, ctx);
    }
    return;
  }
  if (!vm || cancelled) return; // the next pass sees the object gone, or plans again
  switch (op.kind) {
    case 'create':
      if (r.ok) {
        s.attempts = 0;
        s.retry.retryAt = undefined;
        // Which Lima made it is always visible: the simulator says so in the message.
        const via = driver.binary.kind === 'simulator' ? ' (by the bundled Lima simulator)' : '';
        writeStatus(store, vm, {
          conditions: [{ type: 'Created', status: 'True', reason: Created.Created.reason, message: `${Created.Created.message}${via}`, observedGeneration: vm.metadata.generation }],
          fields: { observedTemplateResourceVersion: op.cmResourceVersion },
        }, now);
      } else {
        const delay = nextRetryDelay(s, cfg.backoff, k.deps.random);
        s.retry.retryAt = now + delay;
        writeStatus(store, vm, {
          conditions: [{
            type: 'Created', status: 'False', reason: Created.CreateFailed,
            message: `${failureText(r.error)} (attempt ${s.attempts}; retrying in ${seconds(delay)})`,
            observedGeneration: vm.metadata.generation,
          }],
        }, now);
      }
      break;
    case 'start':
      if (r.ok) {
        if (r.value.kind === 'started' && r.value.outcome.kind === 'degraded' && s.watcher) s.watcher.degradedErrors = r.value.outcome.errors;
      } else if (s.watcher?.phase !== 'running') {
        const disk = observeDisk(driver, k.id.name);
        s.retry.failedStartCleanup = disk.status === 'Running' || disk.status === 'Broken';
        // The start is over and left no live hostagent. A watcher that never saw its pid (killed
        // before it wrote ha.pid) would wait out the adoption timeout: stop it, so the retry runs
        // after the delay the status announces.
        if (!s.retry.failedStartCleanup) stopWatcher(s, ctx);
        recordFailure(k, s, ctx, vm, `start failed: ${failureText(r.error)}`);
      }
      break;
    case 'stop':
      if (r.ok) {
        stopWatcher(s, ctx);
        s.attempts = 0;
        if (op.purpose === 'failedStart') s.retry.failedStartCleanup = false;
        if (r.value.kind === 'stopped' && r.value.outcome.forced) {
          ctx.log.warn({ purpose: op.purpose, reason: r.value.outcome.reason }, 'graceful stop failed; the instance was force-stopped');
        }
        const c = op.purpose === 'stop' ? Running.StoppedOk : op.purpose === 'restart' ? Running.StoppedForRestart : undefined;
        if (c) {
          writeStatus(store, vm, {
            conditions: [{ type: 'Running', status: 'False', ...c, observedGeneration: vm.metadata.generation }],
            ...(op.purpose === 'restart' ? { fields: { restartNeeded: false } } : {}),
          }, now);
        }
      } else {
        teardownFailed(k, s, ctx, vm, op, r.error);
      }
      break;
    case 'deleteInstance':
      if (!r.ok) teardownFailed(k, s, ctx, vm, op, r.error);
      else s.attempts = 0;
      break;
  }
}

/** What an event of the current watcher changes; false (nothing to plan) for an older watcher's or a malformed line. */
export function onHostagent(k: Kit, s: VmState, ctx: Ctx, msg: Extract<VmMsg, { t: 'hostagent' }>): boolean {
  const w = s.watcher;
  if (!w || msg.gen !== w.gen) return false;
  const ev = msg.ev;
  const before = w.phase;
  switch (ev.type) {
    case 'starting':
      if (w.phase !== 'running') w.phase = 'starting';
      break;
    case 'running':
      w.phase = 'running';
      w.degradedErrors = ev.degraded ? ev.errors : [];
      break;
    case 'exiting':
    case 'processExit':
      w.phase = 'exited';
      break;
    case 'malformed':
      ctx.log.warn({ line: ev.line.slice(0, 200) }, 'hostagent event stream has a malformed line');
      return false;
  }
  ctx.log.debug({ event: ev.type, phase: w.phase }, 'hostagent event');
  if (w.phase === 'exited' && before !== 'exited' && !s.shutdown) {
    const vm = k.readVm();
    const op = s.operation?.op;
    const stopping = op?.kind === 'stop' || op?.kind === 'deleteInstance';
    if (vm && vm.spec.running && !vm.metadata.deletionTimestamp && !stopping && !vm.status?.restartNeeded && !vm.status?.resetNeeded) {
      s.retry.failedStartCleanup = false;
      const errs = ev.type === 'exiting' && ev.errors.length > 0 ? `: ${ev.errors.join('; ')}` : '';
      recordFailure(k, s, ctx, vm, `the host agent exited unexpectedly${errs}`);
    }
  }
  return true;
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
