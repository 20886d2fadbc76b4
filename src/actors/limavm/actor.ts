// The LimaVM actor: owns one LimaVM object's status and cleanup finalizer, and its instance's
// processes. Each notification re-reads the store and the disk and asks the planner for the next
// step (level-triggered); long driver work runs through pipeToSelf, one operation at a time.
// It runs on the reconcile runtime (../reconciler.ts); the steps are in apply.ts, the effects in
// effects.ts, results and events in outcomes.ts.
import { CONFIGMAP_KIND, LIMAVM_KIND, templateConfigMapName, type ConfigMap, type LimaVM } from '../../api/index.js';
import type { Behavior } from '../../supervisor/types.js';
import { reconciler, runtimeState, type ReconcileMsg } from '../reconciler.js';
import { apply } from './apply.js';
import type { Ctx, Kit, VmActorDeps, VmIdentity, VmState } from './config.js';
import { observeDisk, type DiskState } from './disk.js';
import { opStarting, runVmOp, stopWatcher } from './effects.js';
import type { OpOutcome, VmMsg } from './messages.js';
import { beginShutdownStop, onHostagent, onResult } from './outcomes.js';
import { plan, type OpRequest, type VmStep } from './plan.js';

export { defaultVmConfig, type VmActorDeps, type VmConfig, type VmIdentity } from './config.js';

/** What one pass reads: the object, its template ConfigMap, the disk, and what it owns. */
interface Observed {
  readonly vm: LimaVM;
  readonly cm: ConfigMap | undefined;
  readonly disk: DiskState;
  readonly ownedCount: number;
}

export function limaVMBehavior(id: VmIdentity, deps: VmActorDeps): Behavior<VmState, VmMsg> {
  const { store, driver, cfg } = deps;

  const kit: Kit = {
    id,
    deps,
    readVm() {
      const o = store.get(LIMAVM_KIND, id.namespace, id.name);
      return o && o.metadata.uid === id.uid ? (o as LimaVM) : undefined;
    },
  };

  function observe(s: VmState, ctx: Ctx): Observed | undefined {
    const vm = kit.readVm();
    if (!vm) return undefined;
    if (s.retry.generation !== vm.metadata.generation) {
      // A spec edit gives a crash-looping VM a fresh budget.
      s.retry.failures = [];
      s.retry.generation = vm.metadata.generation;
      if (!s.operation) s.retry.retryAt = undefined;
    }
    const cm = store.get(CONFIGMAP_KIND, id.namespace, templateConfigMapName(id.name)) as ConfigMap | undefined;
    const disk = observeDisk(driver, id.name);
    if (disk.status !== 'Broken') s.brokenSince = undefined;
    else s.brokenSince ??= ctx.now();
    const ownedCount = vm.metadata.deletionTimestamp ? store.listOwnedBy(id.uid).length : 0;
    return { vm, cm, disk, ownedCount };
  }

  const rec = reconciler<VmState, Exclude<VmMsg, ReconcileMsg<OpRequest, OpOutcome>>, Observed, VmStep, OpRequest, OpOutcome>({
    uid: id.uid,
    registry: deps.registry,
    backoff: cfg.backoff,
    random: deps.random,
    onGone: deps.onGone,
    init: () => ({
      ...runtimeState<OpRequest>(),
      id,
      watcher: undefined,
      watcherGen: 0,
      retry: { failures: [], generation: undefined, lastFailure: undefined, retryAt: undefined, attemptFailed: false, failedStartCleanup: false },
      brokenSince: undefined,
      shutdown: undefined,
    }),
    paused: (s) => s.shutdown !== undefined,
    observe,
    plan: (o, s, now) => plan({
      ...o,
      now,
      cfg,
      rt: { op: s.operation?.op, watcher: s.watcher, retry: s.retry, brokenSince: s.brokenSince },
    }),
    apply: (s, ctx, o, a) => apply(kit, s, ctx, o.vm, o.disk, a),
    run: (_s, _ctx, op, signal) => runVmOp(kit, op, signal),
    starting: (s, ctx, op) => opStarting(kit, s, ctx, op),
    fold: (s, ctx, op, result) => onResult(kit, startOp, s, ctx, op, result),
    failed(_s, ctx, e, action, delay) {
      ctx.log.warn({ err: e.message, action: action?.kind ?? 'read', retryInMs: delay }, 'reconcile step failed; will retry');
      return false;
    },
    release: (s, ctx) => stopWatcher(s, ctx),
    receive(s, msg, ctx) {
      if (msg.t === 'hostagent') return onHostagent(kit, s, ctx, msg);
      if (s.shutdown) {
        s.shutdown.replies.push(msg.reply);
        if (msg.graceMs < s.shutdown.graceMs) {
          // More urgent: cut the graceful stop short; its cancellation restarts the stop with this grace.
          s.shutdown.graceMs = msg.graceMs;
          if (s.operation?.op.kind === 'stop') s.operation.abort.abort(new Error('shutdown forced'));
        }
      } else {
        s.shutdown = { graceMs: msg.graceMs, replies: [msg.reply], forced: false, stopped: false };
        ctx.timers.cancel('requeue');
        beginShutdownStop(kit, startOp, s, ctx);
      }
      return false;
    },
  });

  function startOp(s: VmState, ctx: Ctx, op: OpRequest): void {
    rec.startOp(s, ctx, op);
  }

  return rec.behavior;
}
