// The in-memory LimaDriver: a model of Lima (and of the bundled simulator's fault knobs) that
// keeps instances, hostagent runs and their event streams in memory, with time from an injected
// clock. Actor tests run on it with the manual clock, so a 30 s boot or a stop grace period costs
// no real time. It is held to the same contract as the limactl driver (test/lima/contract/).
//
// Messages are the simulator's own words, classified by the same rules as limactl's
// (classifyLimaMessage), so the actors see the same LimaError codes from both drivers.
import type { Clock } from '../../supervisor/types.js';
import { classifyLimaMessage } from '../driver/classify.js';
import { KeyedMutex, LockAbortedError } from '../driver/mutex.js';
import { assertInstanceName } from '../driver/names.js';
import { LimaError } from '../errors.js';
import { instanceDir } from '../layout.js';
import type { SimFaults, SimFaultsFile, SimLogLine } from '../../sim/paths.js';
import { parseTemplate, validateTemplate } from '../../sim/template.js';
import type {
  HostagentEvent,
  HostagentWatch,
  InstanceDirState,
  InstanceInspection,
  LimaDriver,
  LimaInstance,
  LimactlBinary,
  OpOptions,
  StartOptions,
  StartOutcome,
  StopOptions,
  StopOutcome,
  WatchOptions,
} from '../types.js';
import { nextPhase, type HostagentStatus, type Phase } from '../watch/events.js';
import { lastPhaseOf } from '../watch/last-phase.js';

/** The simulator's defaults (src/sim/hostagent/hostagent.ts, src/sim/commands/stop.ts). */
const DEFAULT_BOOT_DELAY_MS = 200;
const DEFAULT_STOP_DELAY_MS = 100;
const PID_FILE_WAIT_MS = 5_000;
const DEFAULT_START_TIMEOUT_MS = 600_000;
/** A pid file older than `since` minus this belongs to an earlier run (as in watch/pid.ts). */
const MTIME_SLACK_MS = 1_000;

export interface MemoryLimaDriverOptions {
  readonly clock: Clock;
  /** Only used to build the paths reported in `dir` fields; nothing is written there. */
  readonly limaHome?: string;
  readonly faults?: SimFaultsFile;
  readonly version?: string;
}

/** The driver plus the test controls the simulator offers through files and signals. */
export interface MemoryLimaDriver extends LimaDriver {
  /** Replaces the fault knobs (the simulator's faults.json); re-read at every decision point. */
  setFaults(f: SimFaultsFile): void;
  /** Every finished call, hostagent start/signal/exit and forced kill, in the simulator's log format. */
  calls(): SimLogLine[];
  /** SIGKILLs the instance's hostagent (its VM driver survives, ha.pid stays): what a crash leaves. */
  killHostagent(name: string): number | undefined;
  /** The live hostagent pid, as ha.pid would tell. */
  hostagentPid(name: string): number | undefined;
  /** The guest's serial console lines of the instance (a clean shutdown ends with "reboot: Power down"). */
  serialLog(name: string): readonly string[];
  /** The current run's events, as ha.stdout.log lines. */
  eventLines(name: string): readonly string[];
  /** `limactl protect` / `unprotect`: a protected instance refuses deletion. */
  protect(name: string, on: boolean): void;
  /** The instance directory is removed behind Lima's back (`rm -rf`), whatever runs. */
  vanish(name: string): void;
}

interface Ev {
  readonly time: string;
  readonly timeMs: number;
  readonly status: HostagentStatus;
}

interface Run {
  readonly pid: number;
  readonly driverPid: number;
  readonly startedAt: number;
  readonly timers: unknown[];
  /** SIGINT received and not ignored. */
  stopping: boolean;
}

interface Inst {
  yaml: string;
  owner?: string;
  /** The image is "downloaded". */
  disk: boolean;
  /** Bumped at every start: a new ha.stdout.log. */
  runId: number;
  events: Ev[];
  run?: Run;
  haPidFile?: { readonly pid: number; readonly writtenAt: number };
  driverPidFile?: number;
  serial: string[];
  sshLocalPort: number;
  protected: boolean;
}

interface Watcher {
  readonly name: string;
  readonly since: number;
  readonly onEvent: (ev: HostagentEvent) => void;
  runId: number;
  offset: number;
  phase: Phase;
  pid?: number;
  lastExited?: number;
  closed: boolean;
}

type Waiter = () => void;

const quote = (s: string): string => `\`${s}\``;

export function createMemoryLimaDriver(o: MemoryLimaDriverOptions): MemoryLimaDriver {
  const { clock } = o;
  const limaHome = o.limaHome ?? '/memory-lima';
  const binary: LimactlBinary = { path: '(in-memory Lima model)', kind: 'simulator' };
  const versionString = o.version ?? 'limactl version 2.2.0-sim';
  let faultsFile: SimFaultsFile = o.faults ?? {};
  const insts = new Map<string, Inst>();
  const sentinels = new Map<string, string>();
  const alive = new Set<number>();
  const log: SimLogLine[] = [];
  const watchers = new Set<Watcher>();
  const waiters = new Map<string, Set<Waiter>>();
  const mutex = new KeyedMutex();
  let nextPid = 5_000_000;
  let nextPort = 60_022;
  let pumpScheduled = false;

  const faults = (name: string | null): SimFaults => ({ ...(faultsFile.default ?? {}), ...(name !== null ? (faultsFile.instances?.[name] ?? {}) : {}) });
  const knob = (v: number | undefined, dflt: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : dflt);
  const iso = (ms: number): string => new Date(ms).toISOString();

  // ---- change notification: watchers and waiting operations re-check on every change ----

  function changed(name: string): void {
    for (const w of [...(waiters.get(name) ?? [])]) w();
    if (!pumpScheduled) {
      pumpScheduled = true;
      // Delivered in a microtask, as a file watcher would deliver after the write: never from
      // inside the operation that made the change.
      queueMicrotask(() => {
        pumpScheduled = false;
        for (const w of watchers) pump(w);
      });
    }
  }

  function pump(w: Watcher): void {
    if (w.closed) return;
    const inst = insts.get(w.name);
    if (inst === undefined) return;
    if (w.runId !== inst.runId) {
      // A new ha.stdout.log is a new hostagent run: its phases start over.
      w.runId = inst.runId;
      w.offset = 0;
      w.phase = 'none';
    }
    const emit = (ev: HostagentEvent): void => {
      if (!w.closed) w.onEvent(ev);
    };
    const drain = (): void => {
      for (; w.offset < inst.events.length; w.offset++) {
        const ev = inst.events[w.offset];
        if (ev === undefined || ev.timeMs < w.since) continue;
        const next = nextPhase(w.phase, { time: ev.time, timeMs: ev.timeMs, status: ev.status });
        w.phase = next.phase;
        if (next.event) emit(next.event);
      }
    };
    drain();
    if (w.pid !== undefined) {
      if (!alive.has(w.pid)) {
        const pid = w.pid;
        w.pid = undefined;
        w.lastExited = pid;
        emit({ type: 'processExit', pid });
      }
      return;
    }
    const file = inst.haPidFile;
    if (file === undefined || file.pid === w.lastExited) return;
    if (alive.has(file.pid)) w.pid = file.pid;
    else if (file.writtenAt >= w.since - MTIME_SLACK_MS) {
      w.lastExited = file.pid;
      emit({ type: 'processExit', pid: file.pid });
    }
  }

  /** Resolves with `check()`'s first defined value, re-checked on every change of the instance. */
  function until<T>(name: string, what: string, check: () => T | undefined, timeoutMs: number, signal: AbortSignal | undefined, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const set = waiters.get(name) ?? new Set<Waiter>();
      waiters.set(name, set);
      let timer: unknown;
      const finish = (): void => {
        set.delete(waiter);
        if (timer !== undefined) clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter = (): void => {
        let v: T | undefined;
        try {
          v = check();
        } catch (e) {
          finish();
          reject(e as Error);
          return;
        }
        if (v !== undefined) {
          finish();
          resolve(v);
        }
      };
      const onAbort = (): void => {
        finish();
        reject(cancelled(what, signal?.reason));
      };
      if (signal?.aborted) return onAbort();
      set.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = clock.setTimeout(() => {
        timer = undefined;
        finish();
        reject(onTimeout());
      }, timeoutMs);
      waiter();
    });
  }

  /** Waits `ms` of the driver's clock; aborting rejects with Cancelled. */
  const sleep = (what: string, ms: number, signal: AbortSignal | undefined): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (ms <= 0) return resolve();
      if (signal?.aborted) return reject(cancelled(what, signal.reason));
      const onAbort = (): void => {
        clock.clearTimeout(timer);
        reject(cancelled(what, signal?.reason));
      };
      const timer = clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  function cancelled(command: string, reason: unknown): LimaError {
    return new LimaError({ code: 'Cancelled', command, shortMessage: 'the operation was cancelled', cause: reason });
  }

  function fatal(command: string, message: string): LimaError {
    return new LimaError({ code: classifyLimaMessage(message), command, shortMessage: message, exitCode: 1, stderrTail: [message] });
  }

  // ---- the calls log ----

  async function call<T>(cmd: string, instance: string | null, argv: readonly string[], stdinBytes: number, fn: () => Promise<T>): Promise<T> {
    const start = clock.now();
    const pid = nextPid++;
    let exitCode: number | null = 0;
    let signal: string | null = null;
    try {
      return await fn();
    } catch (e) {
      if (e instanceof LimaError && e.code === 'Cancelled') {
        exitCode = null;
        signal = 'SIGTERM';
      } else exitCode = 1;
      throw e;
    } finally {
      log.push({ kind: 'call', pid, cmd, instance, argv: [...argv], stdinBytes, start, end: clock.now(), exitCode, signal });
    }
  }

  const exclusive = async <T>(verb: string, name: string, opts: OpOptions | undefined, fn: () => Promise<T>): Promise<T> => {
    assertInstanceName(name);
    if (opts?.signal?.aborted) throw cancelled(`${verb} ${name}`, opts.signal.reason);
    try {
      return await mutex.run(name, opts?.signal, fn);
    } catch (e) {
      if (e instanceof LockAbortedError) throw cancelled(`${verb} ${name}`, e);
      throw e;
    }
  };

  // ---- hostagent runs ----

  function appendEvent(name: string, inst: Inst, status: HostagentStatus): void {
    const now = clock.now();
    inst.events.push({ time: iso(now), timeMs: now, status });
    changed(name);
  }

  /** The hostagent ends: graceful (exiting event, pid files removed) or killed (files stay). */
  function endRun(name: string, inst: Inst, how: { kind: 'exit'; code: number } | { kind: 'killed' }): void {
    const run = inst.run;
    if (run === undefined) return;
    for (const t of run.timers) clock.clearTimeout(t);
    run.timers.length = 0;
    inst.run = undefined;
    alive.delete(run.pid);
    if (how.kind === 'exit') {
      alive.delete(run.driverPid);
      inst.serial.push('reboot: Power down');
      appendEvent(name, inst, { exiting: true });
      inst.haPidFile = undefined;
      inst.driverPidFile = undefined;
      log.push({ kind: 'hostagent', event: 'exit', instance: name, pid: run.pid, exitCode: how.code, time: clock.now() });
    } else {
      log.push({ kind: 'hostagent', event: 'exit', instance: name, pid: run.pid, signal: 'SIGKILL', time: clock.now() });
    }
    changed(name);
  }

  function launch(name: string, inst: Inst): Run {
    const f = faults(name);
    const run: Run = { pid: nextPid++, driverPid: nextPid++, startedAt: clock.now(), timers: [], stopping: false };
    inst.runId += 1;
    inst.events = [];
    inst.run = run;
    alive.add(run.pid);
    if (f.startOutcome === 'hostagentExit') {
      alive.delete(run.pid);
      inst.run = undefined;
      log.push({ kind: 'hostagent', event: 'exit', instance: name, pid: run.pid, exitCode: 1, time: clock.now() });
      changed(name);
      return run;
    }
    if (f.startOutcome !== 'noPidfile') inst.haPidFile = { pid: run.pid, writtenAt: clock.now() };
    alive.add(run.driverPid);
    inst.driverPidFile = run.driverPid;
    inst.sshLocalPort = f.sshPort ?? inst.sshLocalPort;
    log.push({ kind: 'hostagent', event: 'started', instance: name, pid: run.pid, time: clock.now() });
    appendEvent(name, inst, { sshLocalPort: inst.sshLocalPort });
    run.timers.push(
      clock.setTimeout(() => finishBoot(name, inst, run), knob(f.bootDelayMs, DEFAULT_BOOT_DELAY_MS)),
    );
    if (f.crashHostagentAfterMs !== undefined) {
      run.timers.push(clock.setTimeout(() => kill(name, inst, run, false), knob(f.crashHostagentAfterMs, 0)));
    }
    return run;
  }

  function finishBoot(name: string, inst: Inst, run: Run): void {
    if (inst.run !== run || run.stopping) return;
    const port = inst.sshLocalPort;
    switch (faults(name).startOutcome ?? 'ready') {
      case 'degraded': {
        const err = 'failed to satisfy the optional requirement 1 of 1: "containerd binaries to be installed": injected by the simulator (startOutcome=degraded)';
        appendEvent(name, inst, { running: true, degraded: true, errors: [err], sshLocalPort: port });
        return;
      }
      case 'exiting':
        endRun(name, inst, { kind: 'exit', code: 1 });
        return;
      case 'never':
        return;
      default:
        appendEvent(name, inst, { running: true, sshLocalPort: port });
    }
  }

  /** SIGKILL of the hostagent (and of the VM driver when `withDriver`, as `stop -f` does). */
  function kill(name: string, inst: Inst, run: Run, withDriver: boolean): void {
    if (withDriver && alive.has(run.driverPid)) {
      alive.delete(run.driverPid);
      log.push({ kind: 'kill', signal: 'SIGKILL', target: 'driver', pid: run.driverPid, instance: name, time: clock.now() });
    }
    if (withDriver) log.push({ kind: 'kill', signal: 'SIGKILL', target: 'hostagent', pid: run.pid, instance: name, time: clock.now() });
    endRun(name, inst, { kind: 'killed' });
  }

  /** `stop -f`: SIGKILL whatever runs, remove the pid files. */
  function forceStop(name: string, inst: Inst): void {
    const run = inst.run;
    if (run !== undefined) kill(name, inst, run, true);
    if (inst.driverPidFile !== undefined && alive.has(inst.driverPidFile)) {
      alive.delete(inst.driverPidFile);
      log.push({ kind: 'kill', signal: 'SIGKILL', target: 'driver', pid: inst.driverPidFile, instance: name, time: clock.now() });
    }
    inst.haPidFile = undefined;
    inst.driverPidFile = undefined;
    changed(name);
  }

  /** Lima's inspection: status from pid-file liveness; stale pid files are removed. */
  function readState(name: string): InstanceDirState {
    const inst = insts.get(name);
    if (inst === undefined) return { exists: false, hasConfig: false, status: 'Missing', errors: [] };
    if (inst.haPidFile !== undefined && !alive.has(inst.haPidFile.pid)) inst.haPidFile = undefined;
    if (inst.driverPidFile !== undefined && !alive.has(inst.driverPidFile)) inst.driverPidFile = undefined;
    const ha = inst.haPidFile?.pid;
    const drv = inst.driverPidFile;
    const errors: string[] = [];
    let status: InstanceDirState['status'];
    if (ha !== undefined && drv !== undefined) status = 'Running';
    else if (ha === undefined && drv === undefined) status = 'Stopped';
    else {
      status = 'Broken';
      errors.push(ha !== undefined ? 'host agent is running but driver is not' : 'qemu driver is running but host agent is not');
    }
    return { exists: true, hasConfig: true, status, errors, ...(ha !== undefined ? { hostAgentPid: ha } : {}), ...(drv !== undefined ? { driverPid: drv } : {}) };
  }

  function templateErrors(text: string): string | undefined {
    const parsed = parseTemplate(text);
    if ('error' in parsed) return parsed.error;
    const errs = validateTemplate(parsed.doc, text);
    return errs.length > 0 ? errs.join('\n') : undefined;
  }

  const mustExist = (name: string, what: string): Inst => {
    const inst = insts.get(name);
    if (inst === undefined) throw new LimaError({ code: 'NotFound', command: what, shortMessage: `instance ${quote(name)} does not exist` });
    return inst;
  };

  // ---- the verbs ----

  async function create(name: string, template: string, opts?: OpOptions): Promise<void> {
    const command = `create --name=${name} -`;
    const f = faults(name);
    if (f.createFail === 'exists' || insts.has(name)) throw fatal(command, `instance ${quote(name)} already exists`);
    const invalid = templateErrors(template);
    if (invalid !== undefined) throw fatal(command, invalid);
    if (f.createFail === 'invalid') throw fatal(command, 'field `images` must be set (injected by the simulator: createFail=invalid)');
    const inst: Inst = { yaml: template, disk: false, runId: 0, events: [], serial: [], sshLocalPort: nextPort++, protected: false };
    insts.set(name, inst);
    changed(name);
    await download(name, inst, command, opts?.signal);
  }

  async function download(name: string, inst: Inst, command: string, signal: AbortSignal | undefined): Promise<void> {
    if (inst.disk) return;
    const f = faults(name);
    if (f.createFail === 'download') {
      throw fatal(command, 'failed to download the image, attempted 1 candidates, errors=[failed to download "/etc/profile": injected by the simulator (createFail=download)]');
    }
    await sleep(command, knob(f.createDelayMs, 0), signal);
    inst.disk = true;
  }

  async function start(name: string, opts: StartOptions = {}): Promise<StartOutcome> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const command = `start --timeout=${timeoutMs}ms ${name}`;
    const inst = insts.get(name);
    if (inst === undefined) {
      throw new LimaError({
        code: 'NotFound',
        command,
        shortMessage: `instance \`${name}\` does not exist (no lima.yaml); not running \`limactl start\`, which would create it from the default template`,
      });
    }
    const state = readState(name);
    if (state.status === 'Running') return { kind: 'alreadyRunning' };
    const invalid = templateErrors(inst.yaml);
    if (invalid !== undefined) throw fatal(command, `instance ${quote(name)} has configuration errors: ${invalid}`);
    await download(name, inst, command, opts.signal);
    const began = clock.now();
    const run = launch(name, inst);
    const deadline = began + timeoutMs;
    if (faults(name).startOutcome === 'hostagentExit') throw fatal(command, 'host agent process has exited: exit status 1');
    if (inst.haPidFile?.pid !== run.pid) {
      await sleep(command, Math.min(PID_FILE_WAIT_MS, timeoutMs), opts.signal);
      throw fatal(command, `hostagent (${quote(`${instanceDir(limaHome, name)}/ha.pid`)}) did not start up in 5s (hint: see ${quote('ha.stderr.log')})`);
    }
    const runId = inst.runId;
    let seen = 0;
    return until<StartOutcome | Error>(
      name,
      command,
      () => {
        const events = inst.runId === runId ? inst.events : [];
        for (; seen < events.length; seen++) {
          const s = events[seen]?.status;
          if (s === undefined) continue;
          if (s.exiting === true) return fatal(command, `exiting, status=${goStatus(s)} (hint: see ${quote('ha.stderr.log')})`);
          if (s.running === true && s.degraded === true) return { kind: 'degraded', errors: s.errors ?? [], message: `degraded, status=${goStatus(s)}` };
          if (s.running === true) return { kind: 'ready' };
        }
        if (!alive.has(run.pid)) return fatal(command, 'host agent process has exited: signal: killed');
        return undefined;
      },
      Math.max(0, deadline - clock.now()),
      opts.signal,
      () => fatal(command, `did not receive an event with the ${quote('running')} status`),
    ).then((r) => {
      if (r instanceof Error) throw r;
      return r;
    });
  }

  async function stop(name: string, opts: StopOptions): Promise<StopOutcome> {
    const inst = insts.get(name);
    if (inst === undefined) return { forced: false };
    const forced = (reason: string): StopOutcome => {
      forceStop(name, inst);
      return { forced: true, reason };
    };
    if (opts.graceMs <= 0) {
      return call('stop', name, ['stop', '-f', name], 0, async () => forced('no grace period was given (graceMs is 0)'));
    }
    const state = readState(name);
    const run = inst.run;
    const graceful = await call('stop', name, ['stop', name], 0, async (): Promise<StopOutcome | string> => {
      if (state.status === 'Stopped' || run === undefined || state.hostAgentPid === undefined) {
        if (state.status === 'Stopped') return { forced: false };
        return `the graceful stop failed: expected status ${quote('Running')}, got ${quote(state.status)}`;
      }
      log.push({ kind: 'hostagent', event: 'signal', instance: name, pid: run.pid, signal: 'SIGINT', time: clock.now() });
      const f = faults(name);
      if (f.stopHang !== true) {
        run.stopping = true;
        run.timers.push(clock.setTimeout(() => endRun(name, inst, { kind: 'exit', code: 0 }), knob(f.stopDelayMs, DEFAULT_STOP_DELAY_MS)));
      }
      try {
        await until(name, `stop ${name}`, () => (alive.has(run.pid) ? undefined : true), opts.graceMs, opts.signal, () => new Error('grace period over'));
        return { forced: false };
      } catch (e) {
        if (e instanceof LimaError) throw e;
        return `the graceful stop did not finish within ${opts.graceMs} ms`;
      }
    });
    if (typeof graceful !== 'string') return graceful;
    return call('stop', name, ['stop', '-f', name], 0, async () => forced(graceful));
  }

  async function remove(name: string): Promise<void> {
    const inst = insts.get(name);
    if (inst === undefined) return;
    const msg = faults(name).deleteFail;
    if (typeof msg === 'string' && msg !== '') throw fatal(`delete -f ${name}`, `failed to delete instance ${quote(name)}: ${msg}`);
    if (inst.protected) {
      throw fatal(`delete -f ${name}`, `failed to delete instance ${quote(name)}: instance is protected to prohibit accidental removal (Hint: use \`limactl unprotect\`)`);
    }
    forceStop(name, inst);
    insts.delete(name);
    changed(name);
  }

  function inspect(name: string): InstanceInspection {
    assertInstanceName(name);
    const inst = insts.get(name);
    const state = readState(name);
    const owner = inst?.owner;
    const preparing = sentinels.get(name);
    return {
      dir: instanceDir(limaHome, name),
      dirExists: state.exists,
      exists: state.hasConfig,
      status: state.status,
      ...(owner !== undefined ? { owner } : {}),
      ...(preparing !== undefined ? { preparing } : {}),
      ...(inst !== undefined ? { limaYaml: inst.yaml } : {}),
      ...(state.hostAgentPid !== undefined ? { hostAgentPid: state.hostAgentPid } : {}),
      lastPhase: lastPhaseOf(eventLines(name).join('\n')),
      errors: state.errors,
    };
  }

  function eventLines(name: string): string[] {
    return (insts.get(name)?.events ?? []).map((e) => JSON.stringify({ time: e.time, status: e.status }));
  }

  function watch(name: string, w: WatchOptions): HostagentWatch {
    assertInstanceName(name);
    const watcher: Watcher = { name, since: w.since, onEvent: w.onEvent, runId: insts.get(name)?.runId ?? 0, offset: 0, phase: 'none', closed: false };
    const close = (): void => {
      watcher.closed = true;
      watchers.delete(watcher);
      w.signal.removeEventListener('abort', close);
    };
    if (w.signal.aborted) return { close };
    watchers.add(watcher);
    w.signal.addEventListener('abort', close, { once: true });
    changed(name);
    return { close };
  }

  function listRow(name: string): LimaInstance {
    const inst = insts.get(name);
    const state = readState(name);
    return {
      name,
      status: state.status,
      dir: instanceDir(limaHome, name),
      vmType: 'qemu',
      ...(inst !== undefined ? { sshLocalPort: inst.sshLocalPort } : {}),
      ...(state.hostAgentPid !== undefined ? { hostAgentPID: state.hostAgentPid } : {}),
      ...(state.driverPid !== undefined ? { driverPID: state.driverPid } : {}),
      errors: state.errors,
    };
  }

  const guard = (command: string, opts: OpOptions | undefined): void => {
    if (opts?.signal?.aborted) throw cancelled(command, opts.signal.reason);
  };
  const owned = (name: string): Inst => {
    assertInstanceName(name);
    return mustExist(name, `write ${name}`);
  };

  return {
    binary,
    limaHome,
    instanceDir: (name) => instanceDir(limaHome, name),
    version: (opts) => call('--version', null, ['--version'], 0, async () => {
      guard('--version', opts);
      return faults(null).versionString ?? versionString;
    }),
    create: (name, template, opts) =>
      exclusive('create', name, opts, () => call('create', name, ['create', `--name=${name}`, '-'], Buffer.byteLength(template), () => create(name, template, opts))),
    start: (name, opts) =>
      exclusive('start', name, opts, () => call('start', name, ['start', name], 0, () => start(name, opts))),
    stop: (name, opts) => exclusive('stop', name, opts, () => stop(name, opts)),
    delete: (name, opts) => exclusive('delete', name, opts, () => call('delete', name, ['delete', '-f', name], 0, () => remove(name))),
    list: (names = [], opts) =>
      call('list', null, ['list', '--json', ...names], 0, async () => {
        names.forEach(assertInstanceName);
        guard('list', opts);
        if (faults(null).listFail === true) throw fatal('list --json', 'injected by the simulator (listFail)');
        const wanted = names.length > 0 ? names.filter((n) => insts.has(n)) : [...insts.keys()].sort();
        return wanted.map(listRow);
      }),
    validate: (name, template, opts) =>
      call('validate', name, ['validate', `${name}.yaml`], 0, async () => {
        assertInstanceName(name);
        guard(`validate ${name}`, opts);
        const f = faults(name);
        await sleep(`validate ${name}`, knob(f.validateDelayMs, 0), opts?.signal);
        const why = typeof f.validateFail === 'string' && f.validateFail !== '' ? f.validateFail : templateErrors(template);
        return why === undefined ? { ok: true } : { ok: false, message: `failed to validate YAML file ${quote(`${name}.yaml`)}: ${why}` };
      }),
    readInstanceDir: (name) => {
      assertInstanceName(name);
      return readState(name);
    },
    inspect,
    writeOwnerMarker: (name, uid) => {
      owned(name).owner = uid;
    },
    writeSentinel: (name, uid) => {
      assertInstanceName(name);
      sentinels.set(name, uid);
    },
    removeSentinel: (name) => {
      assertInstanceName(name);
      sentinels.delete(name);
    },
    writeLimaYaml: (name, text) => {
      owned(name).yaml = text;
    },
    watch,
    shell: async (name, argv, opts) => {
      assertInstanceName(name);
      guard(`shell ${name}`, opts);
      const state = readState(name);
      if (state.status === 'Missing') throw new LimaError({ code: 'NotFound', command: `shell ${name}`, shortMessage: `instance \`${name}\` does not exist` });
      if (state.status !== 'Running') throw new LimaError({ code: 'NotRunning', command: `shell ${name}`, shortMessage: `instance \`${name}\` is not running (status ${state.status})` });
      return { exitCode: 0, stdout: argv[0] === 'echo' ? `${argv.slice(1).join(' ')}\n` : '', stderr: '' };
    },
    setFaults: (f) => {
      faultsFile = f;
      for (const name of insts.keys()) changed(name);
    },
    calls: () => [...log],
    killHostagent: (name) => {
      const inst = insts.get(name);
      const run = inst?.run;
      if (inst === undefined || run === undefined) return undefined;
      kill(name, inst, run, false);
      return run.pid;
    },
    hostagentPid: (name) => {
      const file = insts.get(name)?.haPidFile;
      return file !== undefined && alive.has(file.pid) ? file.pid : undefined;
    },
    serialLog: (name) => [...(insts.get(name)?.serial ?? [])],
    eventLines,
    protect: (name, on) => {
      owned(name).protected = on;
    },
    vanish: (name) => {
      insts.delete(name);
      changed(name);
    },
  };
}

/** Go's %+v of the Status struct, as limactl prints it in "exiting, status={...}" errors. */
function goStatus(s: HostagentStatus): string {
  return (
    `{Running:${s.running === true} Degraded:${s.degraded === true} Exiting:${s.exiting === true} ` +
    `Errors:[${(s.errors ?? []).join(' ')}] SSHLocalPort:${s.sshLocalPort ?? 0} CloudInitProgress:<nil> PortForward:<nil> Vsock:<nil>}`
  );
}
