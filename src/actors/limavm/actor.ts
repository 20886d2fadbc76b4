// The LimaVM actor: owns one LimaVM object's status and cleanup finalizer, and its instance's
// processes. Each notification re-reads the store and the disk and asks the planner for the next
// step (level-triggered); long driver work runs through pipeToSelf, one operation at a time.
// The steps are in apply.ts, the effects in effects.ts, results and events in outcomes.ts.
import { CONFIGMAP_KIND, LIMAVM_KIND, isApiError, type ConfigMap, type LimaVM } from '../../api/index.js';
import type { Behavior } from '../../supervisor/types.js';
import { nextRetryDelay } from '../backoff.js';
import { apply } from './apply.js';
import type { Ctx, Kit, VmActorDeps, VmIdentity, VmState } from './config.js';
import { observeDisk } from './disk.js';
import { stopWatcher } from './effects.js';
import type { VmMsg } from './messages.js';
import { beginShutdownStop, onHostagent, onOpDone } from './outcomes.js';
import { plan, templateConfigMapName } from './plan.js';

export { defaultVmConfig, type VmActorDeps, type VmConfig, type VmIdentity } from './config.js';

const MAX_STEPS = 25;

export function limaVMBehavior(id: VmIdentity, deps: VmActorDeps): Behavior<VmState, VmMsg> {
  const { store, driver, registry, cfg } = deps;

  const kit: Kit = {
    id,
    deps,
    readVm() {
      const o = store.get(LIMAVM_KIND, id.namespace, id.name);
      return o && o.metadata.uid === id.uid ? (o as LimaVM) : undefined;
    },
    reconcile,
    gone(s, ctx) {
      if (s.gone) return;
      s.gone = true;
      stopWatcher(s, ctx);
      registry.unregister(id.uid, ctx.self);
      deps.onGone(id.uid, ctx.self);
    },
  };

  function reconcile(s: VmState, ctx: Ctx): void {
    if (s.gone || s.shutdown) return;
    ctx.timers.cancel('requeue');
    for (let step = 0; step < MAX_STEPS; step++) {
      const vm = kit.readVm();
      if (!vm) {
        kit.gone(s, ctx);
        return;
      }
      if (s.failuresGeneration !== vm.metadata.generation) {
        // A spec edit gives a crash-looping VM a fresh budget.
        s.failures = [];
        s.failuresGeneration = vm.metadata.generation;
        if (!s.op) s.retryAt = undefined;
      }
      const now = ctx.now();
      const cm = store.get(CONFIGMAP_KIND, id.namespace, templateConfigMapName(id.name)) as ConfigMap | undefined;
      const disk = observeDisk(driver, id.name);
      if (disk.status !== 'Broken') s.brokenSince = undefined;
      else s.brokenSince ??= now;
      const ownedCount = vm.metadata.deletionTimestamp ? store.listOwnedBy(id.uid).length : 0;
      const action = plan({
        vm,
        cm,
        disk,
        ownedCount,
        now,
        cfg,
        rt: {
          ...(s.op ? { op: s.op } : {}),
          watcher: s.watcher !== undefined,
          phase: s.phase,
          ...(s.watcherSince !== undefined ? { watcherSince: s.watcherSince } : {}),
          degradedErrors: s.degradedErrors,
          failures: s.failures,
          ...(s.lastFailure !== undefined ? { lastFailure: s.lastFailure } : {}),
          ...(s.retryAt !== undefined ? { retryAt: s.retryAt } : {}),
          failedStartCleanup: s.failedStartCleanup,
          ...(s.brokenSince !== undefined ? { brokenSince: s.brokenSince } : {}),
        },
      });
      if (action.kind === 'none') {
        ctx.log.trace({ why: action.why }, 'reconcile: nothing to do');
        if (action.requeueAfterMs !== undefined) ctx.timers.once('requeue', { t: 'reconcile', cause: action.why }, action.requeueAfterMs);
        return;
      }
      ctx.log.debug({ action: action.kind, ...('why' in action ? { why: action.why } : {}) }, 'reconcile step');
      let again: boolean;
      try {
        again = apply(kit, s, ctx, vm, disk, action);
      } catch (e) {
        if (!isApiError(e)) throw e; // a defect: let the kernel restart us from the store
        const delay = nextRetryDelay(s, cfg.backoff, deps.random);
        ctx.log.warn({ err: e.message, action: action.kind, retryInMs: delay }, 'reconcile step failed; will retry');
        ctx.timers.once('requeue', { t: 'reconcile', cause: 'write failed' }, delay);
        return;
      }
      if (!again) return;
    }
    ctx.log.warn({ steps: MAX_STEPS }, 'reconcile did not settle; continuing on the next notification');
    ctx.timers.once('requeue', { t: 'reconcile', cause: 'unsettled' }, 1000);
  }

  return {
    init(ctx) {
      registry.register(id.uid, ctx.self);
      ctx.self.tell({ t: 'reconcile', cause: 'init' });
      return { id, opId: 0, watcherGen: 0, phase: 'none', degradedErrors: [], failures: [], attemptFailed: false, failedStartCleanup: false, attempts: 0, gone: false };
    },
    receive(s, msg, ctx) {
      switch (msg.t) {
        case 'changed':
          registry.taken(id.uid);
          reconcile(s, ctx);
          break;
        case 'reconcile':
          reconcile(s, ctx);
          break;
        case 'opDone':
          onOpDone(kit, s, ctx, msg);
          break;
        case 'hostagent':
          onHostagent(kit, s, ctx, msg);
          break;
        case 'shutdown':
          if (s.shutdown) {
            s.shutdown.replies.push(msg.reply);
            if (msg.graceMs < s.shutdown.graceMs) {
              // More urgent: cut the graceful stop short; its cancellation restarts the stop with this grace.
              s.shutdown.graceMs = msg.graceMs;
              if (s.op?.kind === 'stop') s.opAbort?.abort(new Error('shutdown forced'));
            }
          } else {
            s.shutdown = { graceMs: msg.graceMs, replies: [msg.reply], forced: false, stopped: false };
            ctx.timers.cancel('requeue');
            beginShutdownStop(kit, s, ctx);
          }
          break;
      }
      return s;
    },
    finalize(_s, _reason, _signal, ctx) {
      // Never stops the hostagent: a restart of this actor adopts it; daemon shutdown stops it explicitly.
      registry.unregister(id.uid, ctx.self);
    },
  };
}
