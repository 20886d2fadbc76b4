// The LimaVM planner: a pure function from (object, template ConfigMap, what is on disk, what the
// actor knows in memory, now) to the ONE next action. It does no IO; the actor performs the
// action and plans again, until the answer is "nothing to do" (level-triggered reconcile).
import {
  ADOPT_ANNOTATION,
  CLEANUP_FINALIZER,
  RESET_REQUESTED_ANNOTATION,
  RESTART_REQUESTED_ANNOTATION,
  TEMPLATE_KEY,
  controllerOf,
  findCondition,
  hasFinalizer,
  isBeingDeleted,
  templateConfigMapName,
  type ConditionInput,
  type ConfigMap,
  type LimaVM,
  type LimaVMStatus,
} from '../../api/index.js';
import { none, type RuntimeAction } from '../reconciler.js';
import type { DiskState } from './disk.js';
import { Created, Running, instanceExistsMessage, degradedMessage } from './reasons.js';

/** What the hostagent watcher has told the actor. 'unknown': watching, nothing reported yet. */
export type Phase = 'unknown' | 'starting' | 'running' | 'exited';

export type StopPurpose = 'stop' | 'restart' | 'reset' | 'delete' | 'orphan' | 'crash' | 'failedStart' | 'shutdown';

export type OpRequest =
  | { readonly kind: 'create'; readonly template: string; readonly cmResourceVersion: string }
  | { readonly kind: 'start' }
  | { readonly kind: 'stop'; readonly graceMs: number; readonly purpose: StopPurpose }
  | { readonly kind: 'deleteInstance'; readonly purpose: 'delete' | 'reset' | 'stalePrepare' };

export type OpKind = OpRequest['kind'];

/** The watcher as the planner sees it (no watcher: undefined). */
export interface WatcherView {
  readonly phase: Phase;
  /** When it started (adoption gives up after cfg.adoptTimeoutMs without news). */
  readonly since: number;
  readonly degradedErrors: readonly string[];
}

export interface RetryView {
  /** Times of start failures and unexpected hostagent exits, for the crash-loop limit. */
  readonly failures: readonly number[];
  readonly lastFailure?: string | undefined;
  /** No start/create/teardown attempt before this time (backoff after a failure). */
  readonly retryAt?: number | undefined;
  /** A start failed while its hostagent lives on (e.g. boot timeout): stop it before retrying. */
  readonly failedStartCleanup: boolean;
}

export interface Runtime {
  readonly op?: OpRequest | undefined;
  readonly watcher?: WatcherView | undefined;
  readonly retry: RetryView;
  /** When the disk first showed Broken in the current run of observations (Lima's Broken is transient while processes start or stop). */
  readonly brokenSince?: number | undefined;
}

/** A hostagent may be up: the watcher has not seen it exit (or has seen nothing yet). */
export function mayBeUp(w: WatcherView | undefined): boolean {
  return w !== undefined && w.phase !== 'exited';
}

export interface PlanConfig {
  /** Graceful stop bound for spec.running=false and restarts. */
  readonly stopGraceMs: number;
  /** Default grace for deletion when the delete request gave none. */
  readonly deleteGraceMs: number;
  /** N failures within the window → Running=False/StartFailed, no more retries. */
  readonly crashLoop: { readonly max: number; readonly windowMs: number };
  readonly adoptTimeoutMs: number;
  /** Broken must persist this long before an orphan is stopped for it: Lima reports Broken for a moment while a hostagent starts or stops (docs/lima.md, "Instance directory"). */
  readonly brokenDebounceMs?: number;
}

export interface PlanInput {
  readonly vm: LimaVM;
  /** `<vm>-template`, if it exists. */
  readonly cm: ConfigMap | undefined;
  readonly disk: DiskState;
  readonly rt: Runtime;
  /** Objects (other than nothing) whose ownerReferences name this VM's uid. */
  readonly ownedCount: number;
  readonly now: number;
  readonly cfg: PlanConfig;
}

export interface StatusChange {
  readonly conditions?: readonly ConditionInput[];
  readonly fields?: Partial<Omit<LimaVMStatus, 'conditions'>>;
  /** Increment restartCount in the same write (Running becomes True/Started). */
  readonly countStart?: boolean;
}

/** The VM's own steps; the runtime performs the rest of Action (none, op, abortOp). */
export type VmStep =
  | ({ readonly kind: 'status'; readonly why: string } & StatusChange)
  | { readonly kind: 'removeAnnotation'; readonly key: string }
  | { readonly kind: 'removeCleanupFinalizer' }
  | { readonly kind: 'ownTemplateConfigMap' }
  | { readonly kind: 'deleteOwned' }
  | { readonly kind: 'adopt' }
  | { readonly kind: 'stopWatcher' }
  | { readonly kind: 'removeSentinel' }
  | { readonly kind: 'claimInstance' }
  | { readonly kind: 'writeLimaYaml'; readonly text: string };

export type Action = VmStep | RuntimeAction<OpRequest>;


/** A status action if the condition differs from what is stored (including observedGeneration). */
function ensure(vm: LimaVM, type: string, c: Omit<ConditionInput, 'type'>, why: string, extra?: StatusChange): Action | undefined {
  const cur = findCondition(vm.status?.conditions, type);
  const same =
    cur !== undefined &&
    cur.status === c.status &&
    cur.reason === c.reason &&
    cur.message === c.message &&
    cur.observedGeneration === c.observedGeneration;
  if (same && !extra) return undefined;
  return { kind: 'status', why, conditions: [{ type, ...c }], ...extra };
}

function cond(vm: LimaVM, status: ConditionInput['status'], r: { reason: string; message: string }): Omit<ConditionInput, 'type'> {
  return { status, reason: r.reason, message: r.message, observedGeneration: vm.metadata.generation };
}

const ours = (vm: LimaVM, disk: DiskState): boolean =>
  disk.owner === vm.metadata.uid || disk.preparing === vm.metadata.uid;

const alive = (disk: DiskState): boolean => disk.status === 'Running' || disk.status === 'Broken';

export function plan(i: PlanInput): Action {
  return isBeingDeleted(i.vm) ? planDeletion(i) : planLive(i);
}

function planDeletion({ vm, disk, rt, ownedCount, now, cfg }: PlanInput): Action {
  if (rt.op && rt.op.kind !== 'deleteInstance' && !(rt.op.kind === 'stop' && rt.op.purpose === 'delete')) {
    return { kind: 'abortOp', why: 'the LimaVM is being deleted' };
  }
  if (rt.op) return none('teardown operation in flight');
  if (rt.retry.retryAt !== undefined && now < rt.retry.retryAt) return none('teardown backoff', rt.retry.retryAt - now);
  // Never touch an instance this VM did not create (or adopt).
  if (disk.exists && ours(vm, disk)) {
    if (alive(disk) || mayBeUp(rt.watcher)) {
      const graceSeconds = vm.metadata.deletionGracePeriodSeconds;
      const graceMs = graceSeconds === undefined ? cfg.deleteGraceMs : graceSeconds * 1000;
      return { kind: 'op', op: { kind: 'stop', graceMs, purpose: 'delete' } };
    }
    return { kind: 'op', op: { kind: 'deleteInstance', purpose: 'delete' } };
  }
  if (rt.watcher) return { kind: 'stopWatcher' };
  if (disk.preparing === vm.metadata.uid) return { kind: 'removeSentinel' };
  if (ownedCount > 0) return { kind: 'deleteOwned' };
  if (hasFinalizer(vm, CLEANUP_FINALIZER)) return { kind: 'removeCleanupFinalizer' };
  return none('waiting for the object to disappear');
}

function planLive(i: PlanInput): Action {
  const { vm, cm } = i;
  const status = vm.status ?? {};
  const created = findCondition(status.conditions, 'Created');
  if (!created) return { kind: 'status', why: 'first reconcile', conditions: [{ type: 'Created', ...cond(vm, 'Unknown', Created.Pending) }] };

  const cmName = templateConfigMapName(vm.metadata.name);
  if (!cm) {
    if (created.status === 'True') return none('template ConfigMap is gone; nothing to sync');
    return (
      ensure(vm, 'Created', {
        status: 'False',
        reason: Created.CreateFailed,
        message: `template ConfigMap "${cmName}" not found in namespace "${vm.metadata.namespace ?? ''}"`,
        observedGeneration: vm.metadata.generation,
      }, 'template ConfigMap missing') ?? none('waiting for the template ConfigMap')
    );
  }
  if (controllerOf(cm)?.uid !== vm.metadata.uid) return { kind: 'ownTemplateConfigMap' };
  if (status.templateConfigMap !== cmName) return { kind: 'status', why: 'record template ConfigMap', fields: { templateConfigMap: cmName } };

  if (created.status !== 'True') return planCreate(i, cmName);
  return planCreatedAnnotations(i) ?? planTemplate(i) ?? planRunning(i);
}

function planCreate({ vm, cm, disk, rt, now }: PlanInput, _cmName: string): Action {
  if (rt.op) return none('create in flight');
  if (disk.preparing === vm.metadata.uid) {
    // A create of ours was interrupted (daemon killed): the half-built instance is ours to remove.
    if (disk.exists) return { kind: 'op', op: { kind: 'deleteInstance', purpose: 'stalePrepare' } };
    return { kind: 'removeSentinel' };
  }
  if (disk.exists) {
    if (disk.owner === vm.metadata.uid) {
      return {
        kind: 'status',
        why: 'instance found on disk',
        conditions: [{ type: 'Created', ...cond(vm, 'True', Created.Exists) }],
        fields: { observedTemplateResourceVersion: cm!.metadata.resourceVersion },
      };
    }
    if (vm.metadata.annotations?.[ADOPT_ANNOTATION] !== undefined) return { kind: 'claimInstance' };
    return (
      ensure(vm, 'Created', {
        status: 'False',
        reason: Created.InstanceExists,
        message: instanceExistsMessage(vm.metadata.name, disk.dir),
        observedGeneration: vm.metadata.generation,
      }, 'foreign instance on disk') ?? none('foreign instance on disk; waiting for the user')
    );
  }
  const template = cm!.data?.[TEMPLATE_KEY] ?? '';
  if (template === '') {
    return (
      ensure(vm, 'Created', {
        status: 'False',
        reason: Created.CreateFailed,
        message: 'template ConfigMap missing template data',
        observedGeneration: vm.metadata.generation,
      }, 'empty template') ?? none('waiting for template data')
    );
  }
  if (rt.retry.retryAt !== undefined && now < rt.retry.retryAt) return none('create backoff', rt.retry.retryAt - now);
  return { kind: 'op', op: { kind: 'create', template, cmResourceVersion: cm!.metadata.resourceVersion } };
}

/** Restart and reset requests: status first (durable), then the annotation goes. */
function planCreatedAnnotations({ vm, disk, rt }: PlanInput): Action | undefined {
  const ann = vm.metadata.annotations ?? {};
  const status = vm.status ?? {};
  if (ann[RESET_REQUESTED_ANNOTATION] !== undefined) {
    if (!status.resetNeeded) return { kind: 'status', why: 'reset requested', fields: { resetNeeded: true } };
    return { kind: 'removeAnnotation', key: RESET_REQUESTED_ANNOTATION };
  }
  if (ann[RESTART_REQUESTED_ANNOTATION] !== undefined) {
    if (!status.restartNeeded) return { kind: 'status', why: 'restart requested', fields: { restartNeeded: true } };
    return { kind: 'removeAnnotation', key: RESTART_REQUESTED_ANNOTATION };
  }
  if (status.resetNeeded) {
    if (rt.op) return rt.op.kind === 'start' ? { kind: 'abortOp', why: 'reset requested' } : none('reset: operation in flight');
    if (alive(disk) || mayBeUp(rt.watcher)) {
      return { kind: 'op', op: { kind: 'stop', graceMs: 0, purpose: 'reset' } };
    }
    if (rt.watcher) return { kind: 'stopWatcher' };
    if (disk.exists) return { kind: 'op', op: { kind: 'deleteInstance', purpose: 'reset' } };
    return {
      kind: 'status',
      why: 'reset done; recreate',
      conditions: [
        { type: 'Created', ...cond(vm, 'Unknown', Created.Resetting) },
        { type: 'Running', ...cond(vm, 'False', Running.StoppedForReset) },
      ],
      fields: { resetNeeded: false, restartNeeded: false, observedTemplateResourceVersion: '' },
    };
  }
  return undefined;
}

/** Template ConfigMap edits (docs/controllers.md, "States"): rewrite lima.yaml; restart if it runs. */
function planTemplate({ vm, cm, disk, rt }: PlanInput): Action | undefined {
  const status = vm.status ?? {};
  const rv = cm!.metadata.resourceVersion;
  if (rv === status.observedTemplateResourceVersion || !disk.exists) return undefined;
  const want = cm!.data?.[TEMPLATE_KEY] ?? '';
  if (disk.limaYaml === want) {
    if (status.restartNeeded) return undefined; // recorded once the stop for the restart completes
    return { kind: 'status', why: 'template on disk is current', fields: { observedTemplateResourceVersion: rv } };
  }
  const booted = mayBeUp(rt.watcher) || rt.op?.kind === 'start';
  // A VM that gave up (StartFailed) gets a new chance with a new template: the restart clears it.
  const gaveUp = findCondition(status.conditions, 'Running')?.reason === Running.StartFailed;
  if ((booted || gaveUp) && !status.restartNeeded) {
    return { kind: 'status', why: 'template changed while running', fields: { restartNeeded: true } };
  }
  return { kind: 'writeLimaYaml', text: want };
}

function planRunning(i: PlanInput): Action {
  const { vm, disk, rt, now, cfg } = i;
  const status = vm.status ?? {};
  const running = findCondition(status.conditions, 'Running');
  const desired = vm.spec.running;

  if (status.restartNeeded) {
    const phase = rt.watcher?.phase;
    if (rt.op?.kind === 'start' || phase === 'starting' || phase === 'unknown') return none('restart: waiting for the boot to finish');
    if (rt.op) return none('restart: operation in flight');
    if (phase === 'running') {
      // A boot that completed counts as a start even if a restart was already waiting for it.
      if (running?.status !== 'True') {
        return { kind: 'status', why: 'boot finished before the restart', countStart: true, conditions: [{ type: 'Running', ...cond(vm, 'True', Running.Started) }] };
      }
      return { kind: 'op', op: { kind: 'stop', graceMs: cfg.stopGraceMs, purpose: 'restart' } };
    }
    if (alive(disk)) return { kind: 'op', op: { kind: 'stop', graceMs: cfg.stopGraceMs, purpose: 'restart' } };
    // Nothing runs: the restart is a no-op for a stopped VM; clearing it also lifts a StartFailed.
    return {
      kind: 'status',
      why: 'restart of a stopped VM',
      fields: { restartNeeded: false },
      ...(running?.reason === Running.StartFailed
        ? { conditions: [{ type: 'Running', ...cond(vm, 'False', Running.Stopped) }] }
        : {}),
    };
  }

  if (rt.op) {
    if (rt.op.kind === 'start' && !desired) return { kind: 'abortOp', why: 'spec.running became false during start' };
    return none(`${rt.op.kind} in flight`);
  }

  if (!desired) {
    if (mayBeUp(rt.watcher) || alive(disk)) {
      return { kind: 'op', op: { kind: 'stop', graceMs: cfg.stopGraceMs, purpose: 'stop' } };
    }
    if (rt.watcher) return { kind: 'stopWatcher' };
    if (running?.reason === Running.Stopped.reason) {
      return ensure(vm, 'Running', { ...cond(vm, 'False', { reason: running.reason, message: running.message }) }, 'stamp generation') ?? none('stopped');
    }
    return ensure(vm, 'Running', cond(vm, 'False', Running.Stopped), 'not wanted') ?? none('stopped');
  }

  // desired
  const recent = rt.retry.failures.filter((t) => now - t <= cfg.crashLoop.windowMs);
  if (running?.reason === Running.StartFailed && running.observedGeneration === vm.metadata.generation) {
    return none('gave up after repeated failures; waiting for a spec change or a restart request');
  }
  if (recent.length >= cfg.crashLoop.max) {
    return {
      kind: 'status',
      why: 'crash loop',
      conditions: [{
        type: 'Running',
        status: 'False',
        reason: Running.StartFailed,
        message: `${rt.retry.lastFailure ?? 'the instance failed'} (gave up after ${recent.length} failures within ${Math.round(cfg.crashLoop.windowMs / 1000)}s; edit the spec or request a restart to try again)`,
        observedGeneration: vm.metadata.generation,
      }],
    };
  }

  if (rt.retry.failedStartCleanup && (alive(disk) || mayBeUp(rt.watcher))) {
    return { kind: 'op', op: { kind: 'stop', graceMs: cfg.stopGraceMs, purpose: 'failedStart' } };
  }

  if (rt.watcher) {
    switch (rt.watcher.phase) {
      case 'unknown':
        if (now - rt.watcher.since > cfg.adoptTimeoutMs && !rt.op) {
          return { kind: 'op', op: { kind: 'stop', graceMs: cfg.stopGraceMs, purpose: 'orphan' } };
        }
        return none('waiting for hostagent events', cfg.adoptTimeoutMs);
      case 'starting':
        return ensure(vm, 'Running', cond(vm, 'False', Running.Starting), 'booting') ?? none('booting');
      case 'running': {
        const msg = rt.watcher.degradedErrors.length > 0 ? degradedMessage(rt.watcher.degradedErrors) : Running.Started.message;
        const wasStarted = running?.status === 'True' && running.reason === Running.Started.reason;
        return (
          ensure(vm, 'Running', cond(vm, 'True', { reason: Running.Started.reason, message: msg }), 'ready',
            wasStarted ? undefined : { countStart: true }) ?? none('running')
        );
      }
      case 'exited':
        // The hostagent went away without a stop of ours: clean up what it left, then start again.
        if (alive(disk)) return { kind: 'op', op: { kind: 'stop', graceMs: 0, purpose: 'crash' } };
        return { kind: 'stopWatcher' };
    }
  }

  // No watcher: a hostagent alive on disk is an orphan from before (daemon restart) — adopt it if healthy.
  if (disk.status === 'Running') return { kind: 'adopt' };
  if (disk.status === 'Broken') {
    // Broken is normal for a moment while a hostagent starts or stops its driver: debounce it.
    const since = rt.brokenSince ?? now;
    const debounce = cfg.brokenDebounceMs ?? 0;
    if (now - since < debounce) return none('Broken on disk; waiting to see if it persists', debounce - (now - since));
    return { kind: 'op', op: { kind: 'stop', graceMs: cfg.stopGraceMs, purpose: 'orphan' } };
  }
  if (!disk.exists) {
    return (
      ensure(vm, 'Running', {
        status: 'False',
        reason: Running.StartFailed,
        message: `Lima instance "${vm.metadata.name}" not found at ${disk.dir}; reset the LimaVM to recreate it`,
        observedGeneration: vm.metadata.generation,
      }, 'instance missing') ?? none('instance missing')
    );
  }
  if (rt.retry.retryAt !== undefined && now < rt.retry.retryAt) {
    return none('start backoff', rt.retry.retryAt - now);
  }
  const settling = running?.reason === Running.Reconciling.reason || running?.reason === Running.Starting.reason;
  if (!settling) return { kind: 'status', why: 'about to start', conditions: [{ type: 'Running', ...cond(vm, 'Unknown', Running.Reconciling) }] };
  if (running?.reason !== Running.Starting.reason || running.message !== Running.Starting.message) {
    return { kind: 'status', why: 'starting', conditions: [{ type: 'Running', ...cond(vm, 'False', Running.Starting) }] };
  }
  return { kind: 'op', op: { kind: 'start' } };
}
