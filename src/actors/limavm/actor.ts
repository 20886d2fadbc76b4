// The LimaVM actor: owns one LimaVM object's status and cleanup finalizer, and its instance's
// processes. Each notification re-reads the store and the disk and asks the planner for the next
// step (level-triggered); long driver work runs through pipeToSelf, one operation at a time.
import {
  CLEANUP_FINALIZER,
  LIMAVM_KIND,
  CONFIGMAP_KIND,
  clone,
  isApiError,
  isNotFound,
  ownedByFinalizer,
  removeFinalizer,
  rfc3339,
  setCondition,
  setControllerReference,
  type ConfigMap,
  type LimaVM,
  type LimaVMStatus,
} from '../../api/index.js';
import type { Api } from '../../admission/types.js';
import type { LimaDriver } from '../../lima/types.js';
import type { Store } from '../../store/types.js';
import type { ActorContext, ActorRef, Behavior } from '../../supervisor/types.js';
import { requeueDelay, seconds, type RequeueBackoff } from '../backoff.js';
import type { ActorRegistry } from '../registry.js';
import { lastHostagentPhase, observeDisk, removeSentinel, writeLimaYaml, writeOwnerMarker, type DiskState } from './disk.js';
import type { VmMsg } from './messages.js';
import { failureText, isCancelled, runOp } from './ops.js';
import { plan, templateConfigMapName, type Action, type OpRequest, type Phase, type PlanConfig, type StatusChange } from './plan.js';
import { Created, Deleting, Running } from './reasons.js';
import { watcherBehavior } from './watcher.js';

export interface VmConfig extends PlanConfig {
  readonly startTimeoutMs: number;
  /** Requeue after expected failures (create, start, teardown). */
  readonly backoff: RequeueBackoff;
  readonly watcherPollMs?: number;
}

export const defaultVmConfig: VmConfig = {
  stopGraceMs: 30_000,
  deleteGraceMs: 30_000,
  crashLoop: { max: 5, windowMs: 10 * 60_000 },
  adoptTimeoutMs: 60_000,
  brokenDebounceMs: 3_000,
  startTimeoutMs: 15 * 60_000,
  backoff: { minMs: 1_000, maxMs: 5 * 60_000, jitter: 0.2 },
};

export interface VmActorDeps {
  readonly store: Store;
  readonly api: Api;
  readonly driver: LimaDriver;
  readonly registry: ActorRegistry<VmMsg>;
  readonly cfg: VmConfig;
  readonly random: () => number;
  /** The VM object is gone: the parent stops this actor with reason 'deleted'. */
  readonly onGone: (uid: string, self: ActorRef<VmMsg>) => void;
}

export interface VmIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

interface VmState {
  readonly id: VmIdentity;
  op?: OpRequest;
  opId: number;
  opAbort?: AbortController;
  watcher?: ActorRef<never>;
  watcherGen: number;
  watcherSince?: number;
  phase: Phase;
  degradedErrors: readonly string[];
  failures: number[];
  failuresGeneration?: number;
  lastFailure?: string;
  /** This start attempt already counted as a failure (the watcher and the start result both see it). */
  attemptFailed: boolean;
  failedStartCleanup: boolean;
  retryAt?: number;
  brokenSince?: number;
  attempts: number;
  shutdown?: { readonly graceMs: number; readonly replies: Array<(r: { name: string; forced: boolean; stopped: boolean }) => void>; forced: boolean; stopped: boolean };
  gone: boolean;
}

const MAX_STEPS = 25;

export function limaVMBehavior(id: VmIdentity, deps: VmActorDeps): Behavior<VmState, VmMsg> {
  const { store, api, driver, registry, cfg } = deps;

  const readVm = (): LimaVM | undefined => {
    const o = store.get(LIMAVM_KIND, id.namespace, id.name);
    return o && o.metadata.uid === id.uid ? (o as LimaVM) : undefined;
  };

  function reconcile(s: VmState, ctx: ActorContext<VmMsg>): void {
    if (s.gone || s.shutdown) return;
    ctx.timers.cancel('requeue');
    for (let step = 0; step < MAX_STEPS; step++) {
      const vm = readVm();
      if (!vm) {
        goneNow(s, ctx);
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
        again = apply(s, ctx, vm, disk, action);
      } catch (e) {
        if (!isApiError(e)) throw e; // a defect: let the kernel restart us from the store
        s.attempts += 1;
        const delay = requeueDelay(s.attempts, cfg.backoff, deps.random);
        ctx.log.warn({ err: e.message, action: action.kind, retryInMs: delay }, 'reconcile step failed; will retry');
        ctx.timers.once('requeue', { t: 'reconcile', cause: 'write failed' }, delay);
        return;
      }
      if (!again) return;
    }
    ctx.log.warn({ steps: MAX_STEPS }, 'reconcile did not settle; continuing on the next notification');
    ctx.timers.once('requeue', { t: 'reconcile', cause: 'unsettled' }, 1000);
  }

  function writeStatus(vm: LimaVM, ch: StatusChange, now: number): void {
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

  /** Performs one planned action. Returns true when planning should continue at once. */
  function apply(s: VmState, ctx: ActorContext<VmMsg>, vm: LimaVM, disk: DiskState, a: Action): boolean {
    switch (a.kind) {
      case 'none':
        return false;
      case 'status':
        if (a.fields?.restartNeeded === true) resetFailures(s);
        writeStatus(vm, a, ctx.now());
        return true;
      case 'removeAnnotation':
        api.sync.patch(LIMAVM_KIND, id.namespace, id.name, { metadata: { annotations: { [a.key]: null } } });
        return true;
      case 'removeCleanupFinalizer': {
        const fresh = clone(vm);
        removeFinalizer(fresh, CLEANUP_FINALIZER);
        api.sync.update(fresh);
        ctx.log.info('cleanup finalizer removed; the LimaVM is gone');
        return true;
      }
      case 'ownTemplateConfigMap': {
        const cm = store.mustGet(CONFIGMAP_KIND, id.namespace, templateConfigMapName(id.name));
        const fresh = clone(cm);
        setControllerReference(fresh, vm);
        api.sync.update(fresh);
        return true;
      }
      case 'deleteOwned':
        deleteOwned(ctx);
        return true;
      case 'op':
        startOp(s, ctx, a.op);
        return false;
      case 'abortOp':
        ctx.log.info({ op: s.op?.kind, why: a.why }, 'aborting operation');
        s.opAbort?.abort(new Error(a.why));
        return false;
      case 'adopt': {
        const last = lastHostagentPhase(disk.dir);
        ctx.log.info({ dir: disk.dir, phase: last.phase }, 'found a live hostagent from before; adopting it');
        startWatcher(s, ctx, 0);
        // The watcher replays the run's events from the start; begin from where they end.
        s.phase = last.phase;
        s.degradedErrors = last.errors;
        return true;
      }
      case 'stopWatcher':
        stopWatcher(s, ctx);
        return true;
      case 'removeSentinel':
        removeSentinel(driver.limaHome, id.name);
        return true;
      case 'claimInstance':
        writeOwnerMarker(disk.dir, id.uid);
        writeStatus(vm, {
          conditions: [{ type: 'Created', status: 'True', ...Created.Adopted, observedGeneration: vm.metadata.generation }],
          fields: { observedTemplateResourceVersion: '' },
        }, ctx.now());
        ctx.log.info({ dir: disk.dir }, 'adopted an existing Lima instance');
        return true;
      case 'writeLimaYaml':
        writeLimaYaml(disk.dir, a.text);
        ctx.log.info('template changed; lima.yaml rewritten');
        return true;
    }
  }

  /** Releases and deletes everything this VM owns (template ConfigMap, a CLI-created source). */
  function deleteOwned(ctx: ActorContext<VmMsg>): void {
    const fin = ownedByFinalizer(LIMAVM_KIND);
    for (const o of store.listOwnedBy(id.uid)) {
      const ns = o.metadata.namespace ?? '';
      try {
        if (o.metadata.finalizers?.includes(fin)) {
          const fresh = clone(o);
          removeFinalizer(fresh, fin);
          api.sync.update(fresh);
        }
        if (!o.metadata.deletionTimestamp) api.sync.delete(o.kind, ns, o.metadata.name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      ctx.log.info({ kind: o.kind, name: o.metadata.name }, 'deleted owned object');
    }
  }

  function startWatcher(s: VmState, ctx: ActorContext<VmMsg>, since: number): void {
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
        instanceDir: driver.instanceDir(id.name),
        since,
        ...(cfg.watcherPollMs !== undefined ? { pollMs: cfg.watcherPollMs } : {}),
      }),
    }) as ActorRef<never>;
  }

  function stopWatcher(s: VmState, ctx: ActorContext<VmMsg>): void {
    if (s.watcher) void ctx.stop(s.watcher, { mode: 'now' });
    s.watcher = undefined;
    s.watcherSince = undefined;
    s.phase = 'none';
    s.degradedErrors = [];
  }

  function startOp(s: VmState, ctx: ActorContext<VmMsg>, op: OpRequest): void {
    s.opId += 1;
    const id_ = s.opId;
    const ac = new AbortController();
    s.op = op;
    s.opAbort = ac;
    if (op.kind === 'start') {
      s.attemptFailed = false;
      startWatcher(s, ctx, ctx.now());
    }
    ctx.log.info({ op: op.kind, ...('purpose' in op ? { purpose: op.purpose } : {}) }, 'operation started');
    const signal = AbortSignal.any([ctx.signal, ac.signal]);
    ctx.pipeToSelf(
      runOp(op, { driver, name: id.name, uid: id.uid, signal, startTimeoutMs: cfg.startTimeoutMs }),
      (result) => ({ t: 'opDone', id: id_, op, result }),
    );
  }

  function resetFailures(s: VmState): void {
    s.failures = [];
    s.retryAt = undefined;
    s.lastFailure = undefined;
  }

  /** Counts a start failure or crash once per attempt and arms the backoff. */
  function recordFailure(s: VmState, ctx: ActorContext<VmMsg>, vm: LimaVM, why: string): void {
    if (s.attemptFailed) return;
    s.attemptFailed = true;
    const now = ctx.now();
    s.failures = [...s.failures.filter((t) => now - t <= cfg.crashLoop.windowMs), now];
    s.lastFailure = why;
    const delay = requeueDelay(s.failures.length, cfg.backoff, deps.random);
    s.retryAt = now + delay;
    ctx.log.warn({ why, failures: s.failures.length, max: cfg.crashLoop.max, retryInMs: delay }, 'VM failure');
    if (s.failures.length < cfg.crashLoop.max) {
      writeStatus(vm, {
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

  function onOpDone(s: VmState, ctx: ActorContext<VmMsg>, msg: Extract<VmMsg, { t: 'opDone' }>): void {
    if (msg.id !== s.opId || !s.op) return; // a late completion of an operation we no longer track
    const op = s.op;
    s.op = undefined;
    s.opAbort = undefined;
    const vm = readVm();
    const now = ctx.now();
    const r = msg.result;
    const cancelled = !r.ok && isCancelled(r.error);
    if (!r.ok && !cancelled) ctx.log.warn({ op: op.kind, err: failureText(r.error) }, 'operation failed');
    else ctx.log.info({ op: op.kind, cancelled }, 'operation finished');

    if (s.shutdown) {
      if (op.kind === 'stop' && op.purpose === 'shutdown') {
        s.shutdown.stopped = r.ok;
        s.shutdown.forced = r.ok && r.value.kind === 'stopped' && r.value.outcome.forced;
        if (vm && r.ok) {
          writeStatus(vm, { conditions: [{ type: 'Running', status: 'False', reason: 'Stopped', message: 'Lima instance stopped because the daemon shut down', observedGeneration: vm.metadata.generation }] }, now);
        }
        finishShutdown(s);
      } else {
        beginShutdownStop(s, ctx);
      }
      return;
    }
    if (!vm) {
      goneNow(s, ctx);
      return;
    }
    if (cancelled) {
      reconcile(s, ctx);
      return;
    }
    switch (op.kind) {
      case 'create':
        if (r.ok) {
          s.attempts = 0;
          s.retryAt = undefined;
          // Which Lima made it is always visible: the simulator says so in the message.
          const via = driver.binary.kind === 'simulator' ? ' (by the bundled Lima simulator)' : '';
          writeStatus(vm, {
            conditions: [{ type: 'Created', status: 'True', reason: Created.Created.reason, message: `${Created.Created.message}${via}`, observedGeneration: vm.metadata.generation }],
            fields: { observedTemplateResourceVersion: op.cmResourceVersion },
          }, now);
        } else {
          s.attempts += 1;
          const delay = requeueDelay(s.attempts, cfg.backoff, deps.random);
          s.retryAt = now + delay;
          writeStatus(vm, {
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
          const disk = observeDisk(driver, id.name);
          s.failedStartCleanup = disk.status === 'Running' || disk.status === 'Broken';
          recordFailure(s, ctx, vm, `start failed: ${failureText(r.error)}`);
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
            writeStatus(vm, {
              conditions: [{ type: 'Running', status: 'False', ...c, observedGeneration: vm.metadata.generation }],
              ...(op.purpose === 'restart' ? { fields: { restartNeeded: false } } : {}),
            }, now);
          }
        } else {
          teardownFailed(s, ctx, vm, op, r.error);
        }
        break;
      case 'deleteInstance':
        if (!r.ok) teardownFailed(s, ctx, vm, op, r.error);
        else s.attempts = 0;
        break;
    }
    reconcile(s, ctx);
  }

  function teardownFailed(s: VmState, ctx: ActorContext<VmMsg>, vm: LimaVM, op: OpRequest, error: unknown): void {
    s.attempts += 1;
    const delay = requeueDelay(s.attempts, cfg.backoff, deps.random);
    s.retryAt = ctx.now() + delay;
    const text = `${failureText(error)} (attempt ${s.attempts}; retrying in ${seconds(delay)})`;
    const deleting = vm.metadata.deletionTimestamp !== undefined;
    writeStatus(vm, {
      conditions: [deleting
        ? { type: 'Deleting', status: 'False', reason: Deleting.TeardownFailed, message: text, observedGeneration: vm.metadata.generation }
        : { type: 'Running', status: 'False', reason: Running.StopFailed, message: text, observedGeneration: vm.metadata.generation }],
    }, ctx.now());
    ctx.log.warn({ op: op.kind, retryInMs: delay }, 'teardown step failed');
  }

  function onHostagent(s: VmState, ctx: ActorContext<VmMsg>, msg: Extract<VmMsg, { t: 'hostagent' }>): void {
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
      const vm = readVm();
      const stopping = s.op?.kind === 'stop' || s.op?.kind === 'deleteInstance';
      if (vm && vm.spec.running && !vm.metadata.deletionTimestamp && !stopping && !vm.status?.restartNeeded && !vm.status?.resetNeeded) {
        s.failedStartCleanup = false;
        const errs = ev.type === 'exiting' && ev.errors.length > 0 ? `: ${ev.errors.join('; ')}` : '';
        recordFailure(s, ctx, vm, `the host agent exited unexpectedly${errs}`);
      }
    }
    reconcile(s, ctx);
  }

  function beginShutdownStop(s: VmState, ctx: ActorContext<VmMsg>): void {
    const sd = s.shutdown!;
    if (s.op) {
      if (!(s.op.kind === 'stop')) s.opAbort?.abort(new Error('daemon shutdown'));
      return; // continue when the operation reports back
    }
    const disk = observeDisk(driver, id.name);
    if (disk.status === 'Running' || disk.status === 'Broken') {
      startOp(s, ctx, { kind: 'stop', graceMs: sd.graceMs, purpose: 'shutdown' });
      return;
    }
    finishShutdown(s);
  }

  function finishShutdown(s: VmState): void {
    const sd = s.shutdown!;
    for (const reply of sd.replies.splice(0)) reply({ name: id.name, forced: sd.forced, stopped: sd.stopped });
  }

  function goneNow(s: VmState, ctx: ActorContext<VmMsg>): void {
    if (s.gone) return;
    s.gone = true;
    stopWatcher(s, ctx);
    registry.unregister(id.uid, ctx.self);
    deps.onGone(id.uid, ctx.self);
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
          onOpDone(s, ctx, msg);
          break;
        case 'hostagent':
          onHostagent(s, ctx, msg);
          break;
        case 'shutdown':
          if (s.shutdown) s.shutdown.replies.push(msg.reply);
          else {
            s.shutdown = { graceMs: msg.graceMs, replies: [msg.reply], forced: false, stopped: false };
            ctx.timers.cancel('requeue');
            beginShutdownStop(s, ctx);
          }
          break;
        case 'inspect':
          msg.reply({
            op: s.op?.kind, phase: s.phase, watcher: s.watcher !== undefined, failures: s.failures.length,
            retryAt: s.retryAt, failedStartCleanup: s.failedStartCleanup, gone: s.gone,
          });
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
