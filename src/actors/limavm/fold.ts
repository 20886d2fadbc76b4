// The LimaVM actor's fold: what an operation's result or a hostagent event changes in the actor's
// memory, and which status it writes. Pure, like the planner: the actor performs what it returns
// (docs/controllers.md, "The reconcile runtime").
import type { HostagentEvent } from '../../lima/types.js';
import type { LimaVM } from '../../api/index.js';
import type { Result } from '../../supervisor/types.js';
import { requeueDelay, seconds, type RequeueBackoff } from '../backoff.js';
import type { OpOutcome } from './messages.js';
import { failureText } from './ops.js';
import type { OpRequest, Phase, PlanConfig, StatusChange } from './plan.js';
import { Created, Deleting, Running } from './reasons.js';

/** The part of the actor's memory a fold changes. */
export interface Memory {
  /** Consecutive failed teardown or create attempts (the requeue backoff's counter). */
  readonly attempts: number;
  readonly failures: readonly number[];
  readonly lastFailure: string | undefined;
  readonly retryAt: number | undefined;
  readonly attemptFailed: boolean;
  readonly failedStartCleanup: boolean;
  /** The current watcher's view, undefined when none runs. */
  readonly watcher: { readonly phase: Phase; readonly degradedErrors: readonly string[] } | undefined;
}

export interface FoldContext {
  readonly vm: LimaVM;
  readonly now: number;
  readonly cfg: Pick<PlanConfig, 'crashLoop'> & { readonly backoff: RequeueBackoff };
  readonly random: () => number;
}

export interface LogLine {
  readonly level: 'info' | 'warn';
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

/** What the actor does with a fold: its new memory, and the effects to perform in order. */
export interface Folded {
  readonly memory: Memory;
  readonly status?: StatusChange;
  readonly stopWatcher?: boolean;
  /** Plan again after this long (a failure's backoff). */
  readonly requeueAfterMs?: number;
  readonly log: readonly LogLine[];
}

const unchanged = (memory: Memory): Folded => ({ memory, log: [] });

function withRetry(m: Memory, delayFrom: number, attempts: number, c: FoldContext): { memory: Memory; delay: number } {
  const delay = requeueDelay(delayFrom, c.cfg.backoff, c.random);
  return { memory: { ...m, attempts, retryAt: c.now + delay }, delay };
}

/** A start failure or crash, counted once per attempt, with its backoff. */
export function recordFailure(m: Memory, why: string, c: FoldContext): Folded {
  if (m.attemptFailed) return unchanged(m);
  const { cfg, now, vm } = c;
  const failures = [...m.failures.filter((t) => now - t <= cfg.crashLoop.windowMs), now];
  const delay = requeueDelay(failures.length, cfg.backoff, c.random);
  const memory: Memory = { ...m, attemptFailed: true, failures, lastFailure: why, retryAt: now + delay };
  const log: LogLine[] = [{ level: 'warn', fields: { why, failures: failures.length, max: cfg.crashLoop.max, retryInMs: delay }, msg: 'VM failure' }];
  // At the limit the planner writes StartFailed instead.
  const status: StatusChange | undefined = failures.length < cfg.crashLoop.max
    ? {
        conditions: [{
          type: 'Running',
          status: 'False',
          reason: Running.Starting.reason,
          message: `${why}; restarting in ${seconds(delay)} (failure ${failures.length} of ${cfg.crashLoop.max} allowed within ${seconds(cfg.crashLoop.windowMs)})`,
          observedGeneration: vm.metadata.generation,
        }],
      }
    : undefined;
  return { memory, ...(status ? { status } : {}), requeueAfterMs: delay, log };
}

/** A stop or delete that failed: visible as a condition, retried with backoff. */
function teardownFailed(m: Memory, op: OpRequest, error: unknown, c: FoldContext): Folded {
  const { memory, delay } = withRetry(m, m.attempts + 1, m.attempts + 1, c);
  const text = `${failureText(error)} (attempt ${memory.attempts}; retrying in ${seconds(delay)})`;
  const gen = c.vm.metadata.generation;
  const condition = c.vm.metadata.deletionTimestamp !== undefined
    ? { type: 'Deleting', status: 'False' as const, reason: Deleting.TeardownFailed, message: text, observedGeneration: gen }
    : { type: 'Running', status: 'False' as const, reason: Running.StopFailed, message: text, observedGeneration: gen };
  return { memory, status: { conditions: [condition] }, log: [{ level: 'warn', fields: { op: op.kind, retryInMs: delay }, msg: 'teardown step failed' }] };
}

/**
 * An operation's result (not cancelled). `hostagentAlive` says whether a hostagent is still up on
 * disk, for a failed start. `simulator`: the instance was made by the bundled Lima simulator.
 */
export function foldResult(
  m: Memory,
  op: OpRequest,
  r: Result<OpOutcome>,
  c: FoldContext & { readonly hostagentAlive: boolean; readonly simulator: boolean },
): Folded {
  const gen = c.vm.metadata.generation;
  switch (op.kind) {
    case 'create': {
      if (r.ok) {
        // Which Lima made it is always visible: the simulator says so in the message.
        const via = c.simulator ? ' (by the bundled Lima simulator)' : '';
        return {
          memory: { ...m, attempts: 0, retryAt: undefined },
          status: {
            conditions: [{ type: 'Created', status: 'True', reason: Created.Created.reason, message: `${Created.Created.message}${via}`, observedGeneration: gen }],
            fields: { observedTemplateResourceVersion: op.cmResourceVersion },
          },
          log: [],
        };
      }
      const { memory, delay } = withRetry(m, m.attempts + 1, m.attempts + 1, c);
      return {
        memory,
        status: {
          conditions: [{
            type: 'Created', status: 'False', reason: Created.CreateFailed,
            message: `${failureText(r.error)} (attempt ${memory.attempts}; retrying in ${seconds(delay)})`,
            observedGeneration: gen,
          }],
        },
        log: [],
      };
    }
    case 'start': {
      if (r.ok) {
        const degraded = r.value.kind === 'started' && r.value.outcome.kind === 'degraded' ? r.value.outcome.errors : undefined;
        return unchanged(degraded && m.watcher ? { ...m, watcher: { ...m.watcher, degradedErrors: degraded } } : m);
      }
      if (m.watcher?.phase === 'running') return unchanged(m);
      // The start is over and left no live hostagent. A watcher that never saw its pid (killed
      // before it wrote its pid file) would wait out the adoption timeout: stop it, so the retry
      // runs after the delay the status announces.
      const failedStartCleanup = c.hostagentAlive;
      const f = recordFailure({ ...m, failedStartCleanup }, `start failed: ${failureText(r.error)}`, c);
      return failedStartCleanup ? f : { ...f, memory: { ...f.memory, watcher: undefined }, stopWatcher: true };
    }
    case 'stop': {
      if (!r.ok) return teardownFailed(m, op, r.error, c);
      const log: LogLine[] = r.value.kind === 'stopped' && r.value.outcome.forced
        ? [{ level: 'warn', fields: { purpose: op.purpose, reason: r.value.outcome.reason }, msg: 'graceful stop failed; the instance was force-stopped' }]
        : [];
      const memory: Memory = { ...m, watcher: undefined, attempts: 0, ...(op.purpose === 'failedStart' ? { failedStartCleanup: false } : {}) };
      const c2 = op.purpose === 'stop' ? Running.StoppedOk : op.purpose === 'restart' ? Running.StoppedForRestart : undefined;
      const status: StatusChange | undefined = c2 && {
        conditions: [{ type: 'Running', status: 'False', ...c2, observedGeneration: gen }],
        ...(op.purpose === 'restart' ? { fields: { restartNeeded: false } } : {}),
      };
      return { memory, stopWatcher: true, ...(status ? { status } : {}), log };
    }
    case 'deleteInstance':
      return r.ok ? unchanged({ ...m, attempts: 0 }) : teardownFailed(m, op, r.error, c);
  }
}

const STOPPED_FOR_SHUTDOWN = { reason: Running.Stopped.reason, message: 'Lima instance stopped because the daemon shut down' } as const;

/** What the daemon's shutdown is told about a VM's stop, beside the fold. */
export interface ShutdownFolded extends Folded {
  /** The stop worked (the hostagent is down). */
  readonly stopped: boolean;
  /** It had to force the stop (the graceful one did not finish in time). */
  readonly forced: boolean;
}

/**
 * The daemon's shutdown stop came back (the last one: not one cut short for a more urgent grace).
 * The memory stays as it is (the actor ends with the daemon); a stop that worked leaves the VM
 * saying why it is down. `vm` is the object now (undefined when gone).
 */
export function foldShutdownStop(m: Memory, r: Result<OpOutcome>, vm: LimaVM | undefined): ShutdownFolded {
  const stopped = r.ok;
  const forced = r.ok && r.value.kind === 'stopped' && r.value.outcome.forced;
  if (!r.ok || !vm) return { memory: m, log: [], stopped, forced };
  return {
    memory: m,
    status: { conditions: [{ type: 'Running', status: 'False', ...STOPPED_FOR_SHUTDOWN, observedGeneration: vm.metadata.generation }] },
    log: [],
    stopped,
    forced,
  };
}

/**
 * A hostagent event of the current watcher. `vm` is the object now (undefined when gone);
 * `stopping`: a stop or delete of ours is in flight, so an exit is expected.
 */
export function foldEvent(m: Memory, ev: HostagentEvent, c: Omit<FoldContext, 'vm'> & { readonly vm: LimaVM | undefined; readonly stopping: boolean }): Folded {
  const w = m.watcher;
  if (!w) return unchanged(m);
  let phase = w.phase;
  let degradedErrors = w.degradedErrors;
  switch (ev.type) {
    case 'starting':
      if (phase !== 'running') phase = 'starting';
      break;
    case 'running':
      phase = 'running';
      degradedErrors = ev.degraded ? ev.errors : [];
      break;
    case 'exiting':
    case 'processExit':
      phase = 'exited';
      break;
    case 'malformed':
      return { memory: m, log: [{ level: 'warn', fields: { line: ev.line.slice(0, 200) }, msg: 'hostagent event stream has a malformed line' }] };
  }
  const memory: Memory = { ...m, watcher: { phase, degradedErrors } };
  const vm = c.vm;
  const unexpected = phase === 'exited' && w.phase !== 'exited' && vm !== undefined && vm.spec.running &&
    !vm.metadata.deletionTimestamp && !c.stopping && !vm.status?.restartNeeded && !vm.status?.resetNeeded;
  if (!unexpected) return unchanged(memory);
  const errs = ev.type === 'exiting' && ev.errors.length > 0 ? `: ${ev.errors.join('; ')}` : '';
  return recordFailure({ ...memory, failedStartCleanup: false }, `the host agent exited unexpectedly${errs}`, { ...c, vm });
}
