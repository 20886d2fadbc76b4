// The LimaVM actor's effects: status writes, the watcher child and operations. Each is short and
// synchronous; long work runs through the runtime's pipeToSelf.
import { clone, rfc3339, setCondition, type LimaVM, type LimaVMStatus } from '../../api/index.js';
import type { ActorRef } from '../../supervisor/types.js';
import type { Ctx, Kit, VmState, Watcher } from './config.js';
import type { OpOutcome } from './messages.js';
import { runOp } from './ops.js';
import type { OpRequest, StatusChange } from './plan.js';
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

export function startWatcher(k: Kit, s: VmState, ctx: Ctx, since: number): Watcher {
  stopWatcher(s, ctx);
  s.watcherGen += 1;
  const gen = s.watcherGen;
  const ref: ActorRef<never> = ctx.spawn({
    name: `watcher-${gen}`,
    restart: 'transient',
    behavior: watcherBehavior({
      parent: ctx.self,
      gen,
      driver: k.deps.driver,
      name: k.id.name,
      since,
      ...(k.deps.cfg.watcherPollMs !== undefined ? { pollMs: k.deps.cfg.watcherPollMs } : {}),
    }),
  });
  const w: Watcher = { ref, gen, since: ctx.now(), phase: 'unknown', degradedErrors: [] };
  s.watcher = w;
  return w;
}

export function stopWatcher(s: VmState, ctx: Ctx): void {
  if (s.watcher) void ctx.stop(s.watcher.ref, { mode: 'now' });
  s.watcher = undefined;
}

/** The work of one driver operation, outside the handler. */
export function runVmOp(k: Kit, op: OpRequest, signal: AbortSignal): Promise<OpOutcome> {
  const { driver, cfg } = k.deps;
  return runOp(op, { driver, name: k.id.name, uid: k.id.uid, signal, startTimeoutMs: cfg.startTimeoutMs });
}

/** Before an operation starts: a start counts its failure once and watches the event stream first. */
export function opStarting(k: Kit, s: VmState, ctx: Ctx, op: OpRequest): void {
  if (op.kind === 'start') {
    s.retry.attemptFailed = false;
    startWatcher(k, s, ctx, ctx.now());
  }
  ctx.log.info({ op: op.kind, ...('purpose' in op ? { purpose: op.purpose } : {}) }, 'operation started');
}

export function resetFailures(s: VmState): void {
  s.retry.failures = [];
  s.retry.retryAt = undefined;
  s.retry.lastFailure = undefined;
}
