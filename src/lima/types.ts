// The Lima driver contract (docs/lima.md): what the LimaVM actors call. The limactl driver runs
// `limactl` (real, or the bundled simulator) through execa; the in-memory driver models it for
// fast tests. Results are data, failures are LimaError.
import type { Logger } from '../log.js';

/** Classified from limactl's fatal message (both quote styles). */
export type LimaErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'NotRunning'
  | 'NotStopped'
  | 'InvalidTemplate'
  | 'Timeout'
  | 'Cancelled'
  | 'RootRefused'
  | 'Unknown';

/** `limactl list --json` fields the daemon uses (docs/lima.md#calls). Status '' means a broken config. */
export interface LimaInstance {
  readonly name: string;
  readonly status: 'Running' | 'Stopped' | 'Broken' | '' | string;
  readonly dir: string;
  readonly vmType?: string;
  readonly arch?: string;
  readonly cpus?: number;
  readonly memory?: number;
  readonly sshLocalPort?: number;
  readonly hostAgentPID?: number;
  readonly driverPID?: number;
  readonly errors?: readonly string[];
}

/** Which limactl runs: always shown to the user (service status, condition messages). */
export interface LimactlBinary {
  readonly path: string;
  readonly kind: 'limactl' | 'simulator';
}

/** Process truth read directly from an instance directory, without running limactl. */
export interface InstanceDirState {
  readonly exists: boolean;
  readonly hasConfig: boolean;
  /** Live hostagent pid from ha.pid (stale pid files are removed), or undefined. */
  readonly hostAgentPid?: number;
  /** Live driver pid from <vmType>.pid, or undefined. */
  readonly driverPid?: number;
  readonly status: 'Running' | 'Stopped' | 'Broken' | 'Missing';
  /** Sentences naming what is wrong (e.g. "host agent is running but driver is not"). */
  readonly errors: readonly string[];
}

export interface OpOptions {
  /** The calling actor's signal: aborting kills the limactl child (a hostagent survives, as with real Lima). */
  readonly signal?: AbortSignal;
}

export interface StartOptions extends OpOptions {
  /** Passed as `--timeout`; the execa timeout is slightly above it. */
  readonly timeoutMs?: number;
}

/** How `limactl start` ended when it did not throw. */
export type StartOutcome =
  | { readonly kind: 'ready' }
  | { readonly kind: 'alreadyRunning' }
  /** Running but degraded: limactl exits 1 while the VM keeps running. */
  | { readonly kind: 'degraded'; readonly errors: readonly string[]; readonly message: string };

export interface StopOptions extends OpOptions {
  /** Bound for the graceful stop; then `stop -f`. 0 = force at once. */
  readonly graceMs: number;
}

export interface StopOutcome {
  /** True when the graceful stop failed or timed out and `stop -f` was used. */
  readonly forced: boolean;
  /** Why it was forced, if it was. */
  readonly reason?: string;
}

/** Hostagent phases derived from ha.stdout.log and the hostagent pid (docs/lima.md#hostagent-events). */
export type HostagentEvent =
  | { readonly type: 'starting'; readonly sshLocalPort: number; readonly time: string }
  | { readonly type: 'running'; readonly degraded: boolean; readonly errors: readonly string[]; readonly time: string }
  | { readonly type: 'exiting'; readonly errors: readonly string[]; readonly time: string }
  /** A line that is not a JSON event: reported, not fatal. */
  | { readonly type: 'malformed'; readonly line: string }
  /** The hostagent process is gone (exited or killed), with or without an exiting event. */
  | { readonly type: 'processExit'; readonly pid: number };

/** Where the current hostagent run is, from its whole event stream: what an adopting actor starts from. */
export interface LastHostagentPhase {
  readonly phase: 'unknown' | 'starting' | 'running' | 'exited';
  /** The errors of a degraded run (empty otherwise). */
  readonly errors: readonly string[];
}

/** Everything the actors read about one instance, Lima's state and rdd's files, in one call. */
export interface InstanceInspection {
  readonly dir: string;
  /** The instance directory exists (possibly half-built, without lima.yaml). */
  readonly dirExists: boolean;
  /** The instance exists for Lima (lima.yaml present). */
  readonly exists: boolean;
  readonly status: 'Running' | 'Stopped' | 'Broken' | 'Missing';
  /** uid of the LimaVM that created (or adopted) the instance, from the owner marker. */
  readonly owner?: string;
  /** uid of the LimaVM whose create was in progress when the sentinel was written. */
  readonly preparing?: string;
  /** Current lima.yaml text. */
  readonly limaYaml?: string;
  readonly hostAgentPid?: number;
  readonly lastPhase: LastHostagentPhase;
  readonly errors: readonly string[];
}

export interface WatchOptions {
  /** Epoch ms of the driver's clock; events timed before it are ignored (0 replays the current run). */
  readonly since: number;
  readonly onEvent: (ev: HostagentEvent) => void;
  /** Aborting closes the watch. */
  readonly signal: AbortSignal;
  /** Poll period of a file-based watch; default 250 ms. */
  readonly pollMs?: number;
  readonly log: Logger;
}

export interface HostagentWatch {
  /** Stops watching; idempotent. No event is delivered after it returns. */
  close(): void;
}

export interface LimaDriver {
  readonly binary: LimactlBinary;
  readonly limaHome: string;
  instanceDir(name: string): string;
  /** `limactl --version`, e.g. "limactl version 2.2.0". */
  version(opts?: OpOptions): Promise<string>;
  /** `create --name N -` with the template on stdin (params merged into the template's param block). */
  create(name: string, template: string, opts?: OpOptions): Promise<void>;
  /** Never called on an instance the caller has not seen exist (it would create one from a default). */
  start(name: string, opts?: StartOptions): Promise<StartOutcome>;
  /** Graceful, then forced on failure or deadline. Stop of a stopped instance succeeds. */
  stop(name: string, opts: StopOptions): Promise<StopOutcome>;
  /** `delete -f`. Delete of a missing instance succeeds. */
  delete(name: string, opts?: OpOptions): Promise<void>;
  /** `list --json [names]`: missing names are skipped, not an error. */
  list(names?: readonly string[], opts?: OpOptions): Promise<LimaInstance[]>;
  /** `validate <tmp>/<name>.yaml`. */
  validate(name: string, template: string, opts?: OpOptions): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Synchronous read of pid files and their liveness (stale pid files are cleaned up). */
  readInstanceDir(name: string): InstanceDirState;
  /** Lima's state plus rdd's marker, sentinel and lima.yaml text; never throws for an expected state. */
  inspect(name: string): InstanceInspection;
  /** Records `uid` as the instance's owner (inside the instance directory, which must exist). */
  writeOwnerMarker(name: string, uid: string): void;
  /** Claims a create in progress for `uid`, before the instance directory exists. */
  writeSentinel(name: string, uid: string): void;
  removeSentinel(name: string): void;
  /** Replaces lima.yaml atomically (a crash never leaves half a template). */
  writeLimaYaml(name: string, text: string): void;
  /** Typed phase events of the instance's hostagent (docs/lima.md#hostagent-events). */
  watch(name: string, opts: WatchOptions): HostagentWatch;
  /** `shell N CMD...` with inherited stdio; resolves with the exit code. */
  shell(name: string, argv: readonly string[], opts?: OpOptions & { stdio?: 'inherit' | 'pipe' }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}
