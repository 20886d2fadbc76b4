// What a LimaVM actor does when something comes back: an operation's result, a hostagent event,
// or the daemon's shutdown request. Results become conditions and backoff; then it plans again.
import type { Ctx, Kit, VmState } from './config.js';
import { observeDisk } from './disk.js';
import { recordFailure, startOp, stopWatcher, teardownFailed, writeStatus } from './effects.js';
import type { VmMsg } from './messages.js';
import { failureText, isCancelled } from './ops.js';
import { Created, Running } from './reasons.js';
import { nextRetryDelay, seconds } from '../backoff.js';

export function onOpDone(k: Kit, s: VmState, ctx: Ctx, msg: Extract<VmMsg, { t: 'opDone' }>): void {
  if (msg.id !== s.opId || !s.op) return; // a late completion of an operation we no longer track
  const { store, driver, cfg } = k.deps;
  const op = s.op;
  s.op = undefined;
  s.opAbort = undefined;
  const vm = k.readVm();
  const now = ctx.now();
  const r = msg.result;
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
      finishShutdown(k, s);
    } else {
      beginShutdownStop(k, s, ctx);
    }
    return;
  }
  if (!vm) {
    k.gone(s, ctx);
    return;
  }
  if (cancelled) {
    k.reconcile(s, ctx);
    return;
  }
  switch (op.kind) {
    case 'create':
      if (r.ok) {
        s.attempts = 0;
        s.retryAt = undefined;
        // Which Lima made it is always visible: the simulator says so in the message.
        const via = driver.binary.kind === 'simulator' ? ' (by the bundled Lima simulator)' : '';
        writeStatus(store, vm, {
          conditions: [{ type: 'Created', status: 'True', reason: Created.Created.reason, message: `${Created.Created.message}${via}`, observedGeneration: vm.metadata.generation }],
          fields: { observedTemplateResourceVersion: op.cmResourceVersion },
        }, now);
      } else {
        const delay = nextRetryDelay(s, cfg.backoff, k.deps.random);
        s.retryAt = now + delay;
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
        if (r.value.kind === 'started' && r.value.outcome.kind === 'degraded') s.degradedErrors = r.value.outcome.errors;
      } else if (s.phase !== 'running') {
        const disk = observeDisk(driver, k.id.name);
        s.failedStartCleanup = disk.status === 'Running' || disk.status === 'Broken';
        // The start is over and left no live hostagent. A watcher that never saw its pid (killed
        // before it wrote ha.pid) would wait out the adoption timeout: stop it, so the retry runs
        // after the delay the status announces.
        if (!s.failedStartCleanup) stopWatcher(s, ctx);
        recordFailure(k, s, ctx, vm, `start failed: ${failureText(r.error)}`);
      }
      break;
    case 'stop':
      if (r.ok) {
        stopWatcher(s, ctx);
        s.attempts = 0;
        if (op.purpose === 'failedStart') s.failedStartCleanup = false;
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
  k.reconcile(s, ctx);
}

export function onHostagent(k: Kit, s: VmState, ctx: Ctx, msg: Extract<VmMsg, { t: 'hostagent' }>): void {
  if (msg.gen !== s.watcherGen || !s.watcher) return;
  const ev = msg.ev;
  const before = s.phase;
  switch (ev.type) {
    case 'starting':
      if (s.phase !== 'running') s.phase = 'starting';
      break;
    case 'running':
      s.phase = 'running';
      s.degradedErrors = ev.degraded ? ev.errors : [];
      break;
    case 'exiting':
    case 'processExit':
      s.phase = 'exited';
      break;
    case 'malformed':
      ctx.log.warn({ line: ev.line.slice(0, 200) }, 'hostagent event stream has a malformed line');
      return;
  }
  ctx.log.debug({ event: ev.type, phase: s.phase }, 'hostagent event');
  if (s.phase === 'exited' && before !== 'exited' && !s.shutdown) {
    const vm = k.readVm();
    const stopping = s.op?.kind === 'stop' || s.op?.kind === 'deleteInstance';
    if (vm && vm.spec.running && !vm.metadata.deletionTimestamp && !stopping && !vm.status?.restartNeeded && !vm.status?.resetNeeded) {
      s.failedStartCleanup = false;
      const errs = ev.type === 'exiting' && ev.errors.length > 0 ? `: ${ev.errors.join('; ')}` : '';
      recordFailure(k, s, ctx, vm, `the host agent exited unexpectedly${errs}`);
    }
  }
  k.reconcile(s, ctx);
}

/** Daemon shutdown: abort what runs, then stop a live hostagent gracefully within the grace. */
export function beginShutdownStop(k: Kit, s: VmState, ctx: Ctx): void {
  const sd = s.shutdown!;
  if (s.op) {
    if (s.op.kind !== 'stop') s.opAbort?.abort(new Error('daemon shutdown'));
    return; // continue when the operation reports back
  }
  const disk = observeDisk(k.deps.driver, k.id.name);
  if (disk.status === 'Running' || disk.status === 'Broken') {
    startOp(k, s, ctx, { kind: 'stop', graceMs: sd.graceMs, purpose: 'shutdown' });
    return;
  }
  finishShutdown(k, s);
}

function finishShutdown(k: Kit, s: VmState): void {
  const sd = s.shutdown!;
  for (const reply of sd.replies.splice(0)) reply({ name: k.id.name, forced: sd.forced, stopped: sd.stopped });
}
