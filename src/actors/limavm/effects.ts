// The LimaVM actor's effects: status writes, the watcher child, operations, and failure
// bookkeeping with its backoff. Each is short and synchronous; long work runs via pipeToSelf.
import { clone, rfc3339, setCondition, type LimaVM, type LimaVMStatus } from '../../api/index.js';
import type { ActorRef } from '../../supervisor/types.js';
import { nextRetryDelay, requeueDelay, seconds } from '../backoff.js';
import type { Ctx, Kit, VmState } from './config.js';
import { failureText, runOp } from './ops.js';
import type { OpRequest, StatusChange } from './plan.js';
import { Deleting, Running } from './reasons.js';
import { watcherBehavior } from './watcher.js';
import type { Store } from '../../store/types.js';

/** Applies a status change to `vm` (read in this same turn, so no concurrent write can intervene). */
export function writeStatus(store: Store, vm: LimaVM, ch: StatusChange, now: number): void {
  const status: LimaVMStatus = clone(vm.status ?? {});
  const conds = status.conditions ?? [];
  for (const c of ch.conditions ?? []) setCondition(conds, c, rfc3339(now));
  status.conditions = conds;
  for (const [k, v] of Object.entries(ch.fields ?? {})) {
    const key = k as keyof LimaVMStatus;
    if (v === false || v === undefined) delete status[key];
    else (status as Record<string, unknown>)[key] = v;
  }
  if (ch.countStart) status.restartCount = (status.restartCount ?? 0) + 1;
  store.updateStatus({ ...vm, status });
}

export function startWatcher(k: Kit, s: VmState, ctx: Ctx, since: number): void {
  stopWatcher(s, ctx);
  s.watcherGen += 1;
  s.phase = 'unknown';
  s.degradedErrors = [];
  s.watcherSince = ctx.now();
  s.watcher = ctx.spawn({
    name: `watcher-${s.watcherGen}`,
    restart: 'transient',
    behavior: watcherBehavior({
      parent: ctx.self,
      gen: s.watcherGen,
      driver: k.deps.driver,
      name: k.id.name,
      since,
      ...(k.deps.cfg.watcherPollMs !== undefined ? { pollMs: k.deps.cfg.watcherPollMs } : {}),
    }),
  }) as ActorRef<never>;
}

export function stopWatcher(s: VmState, ctx: Ctx): void {
  if (s.watcher) void ctx.stop(s.watcher, { mode: 'now' });
  s.watcher = undefined;
  s.watcherSince = undefined;
  s.phase = 'none';
  s.degradedErrors = [];
}

/** Runs one driver operation outside the handler; a start watches the event stream first. */
export function startOp(k: Kit, s: VmState, ctx: Ctx, op: OpRequest): void {
  s.opId += 1;
  const opId = s.opId;
  const ac = new AbortController();
  s.op = op;
  s.opAbort = ac;
  if (op.kind === 'start') {
    s.attemptFailed = false;
    startWatcher(k, s, ctx, ctx.now());
  }
  ctx.log.info({ op: op.kind, ...('purpose' in op ? { purpose: op.purpose } : {}) }, 'operation started');
  const signal = AbortSignal.any([ctx.signal, ac.signal]);
  const { driver, cfg } = k.deps;
  ctx.pipeToSelf(
    runOp(op, { driver, name: k.id.name, uid: k.id.uid, signal, startTimeoutMs: cfg.startTimeoutMs }),
    (result) => ({ t: 'opDone', id: opId, op, result }),
  );
}

export function resetFailures(s: VmState): void {
  s.failures = [];
  s.retryAt = undefined;
  s.lastFailure = undefined;
}

/** Counts a start failure or crash once per attempt and arms the backoff. */
export function recordFailure(k: Kit, s: VmState, ctx: Ctx, vm: LimaVM, why: string): void {
  if (s.attemptFailed) return;
  s.attemptFailed = true;
  const { cfg } = k.deps;
  const now = ctx.now();
  s.failures = [...s.failures.filter((t) => now - t <= cfg.crashLoop.windowMs), now];
  s.lastFailure = why;
  const delay = requeueDelay(s.failures.length, cfg.backoff, k.deps.random);
  s.retryAt = now + delay;
  ctx.log.warn({ why, failures: s.failures.length, max: cfg.crashLoop.max, retryInMs: delay }, 'VM failure');
  if (s.failures.length < cfg.crashLoop.max) {
    writeStatus(k.deps.store, vm, {
      conditions: [{
        type: 'Running',
        status: 'False',
        reason: Running.Starting.reason,
        message: `${why}; restarting in ${seconds(delay)} (failure ${s.failures.length} of ${cfg.crashLoop.max} allowed within ${seconds(cfg.crashLoop.windowMs)})`,
        observedGeneration: vm.metadata.generation,
      }],
    }, now);
  }
  ctx.timers.once('requeue', { t: 'reconcile', cause: 'backoff' }, delay);
}

/** A stop or delete that failed: visible as a condition, retried with backoff. */
export function teardownFailed(k: Kit, s: VmState, ctx: Ctx, vm: LimaVM, op: OpRequest, error: unknown): void {
  const delay = nextRetryDelay(s, k.deps.cfg.backoff, k.deps.random);
  s.retryAt = ctx.now() + delay;
  const text = `${failureText(error)} (attempt ${s.attempts}; retrying in ${seconds(delay)})`;
  const deleting = vm.metadata.deletionTimestamp !== undefined;
  writeStatus(k.deps.store, vm, {
    conditions: [deleting
      ? { type: 'Deleting', status: 'False', reason: Deleting.TeardownFailed, message: text, observedGeneration: vm.metadata.generation }
      : { type: 'Running', status: 'False', reason: Running.StopFailed, message: text, observedGeneration: vm.metadata.generation }],
  }, ctx.now());
  ctx.log.warn({ op: op.kind, retryInMs: delay }, 'teardown step failed');
}
