// createLimaDriver: the LimaDriver over execa. Lifecycle verbs on one instance are serialized by a
// keyed mutex (Lima does no locking of its own); different instances, list, validate and shell
// run in parallel.
import { tmpdir } from 'node:os';
import type { Logger } from '../../log.js';
import { instanceDir as instanceDirOf } from '../layout.js';
import type { LimaDriver, LimactlBinary, OpOptions } from '../types.js';
import { watchHostagent } from '../watch/watch.js';
import { defaultTimeouts, type DriverTimeouts, type OpContext } from './context.js';
import { readInstanceDir } from './instance-dir.js';
import { inspectInstance, removeSentinelFile, writeLimaYamlFile, writeOwnerMarkerFile, writeSentinelFile } from './instance-files.js';
import { KeyedMutex, LockAbortedError } from './mutex.js';
import { assertInstanceName } from './names.js';
import { toResolved, type ResolvedLimactl } from './resolve.js';
import { cancelledBeforeRun, runLimactl, type RunContext } from './run.js';
import { startInstance } from './start.js';
import { stopInstance } from './stop.js';
import { create, list, remove, shell, validate, version } from './verbs.js';
import { VerdictCache } from './verdicts.js';

export interface LimaDriverOptions {
  readonly limaHome: string;
  /** From resolveLimactl(); a bare LimactlBinary is spawned by path (`.js` under node). */
  readonly binary: ResolvedLimactl | LimactlBinary;
  readonly log: Logger;
  /** Extra environment for every call (LIMA_HOME is always set from limaHome). */
  readonly env?: Record<string, string>;
  /** Clock for durations in logs; injectable for tests. */
  readonly now?: () => number;
  readonly timeouts?: Partial<DriverTimeouts>;
  /** Where `validate` writes its temporary template (default: the OS temp dir). The daemon uses
   * its service dir, which it empties at startup, so a crash mid-validate leaves nothing behind. */
  readonly scratchDir?: string;
}

/** The driver plus what tests and diagnostics may inspect. */
export interface LimaDriverHandle extends LimaDriver {
  readonly binary: ResolvedLimactl;
  /** Instances with an operation running or queued. */
  busyInstances(): string[];
}

function resolvedOf(b: ResolvedLimactl | LimactlBinary): ResolvedLimactl {
  if ('command' in b && 'argsPrefix' in b) return b as ResolvedLimactl;
  return toResolved(b.path, 'config', b.kind);
}

export function createLimaDriver(opts: LimaDriverOptions): LimaDriverHandle {
  const binary = resolvedOf(opts.binary);
  const timeouts: DriverTimeouts = { ...defaultTimeouts, ...opts.timeouts };
  const log = opts.log.child({ component: 'lima-driver' });
  const now = opts.now ?? Date.now;
  const runCtx: RunContext = { binary, limaHome: opts.limaHome, env: opts.env ?? {}, log, killGraceMs: timeouts.killGraceMs };
  const instanceDir = (name: string): string => instanceDirOf(opts.limaHome, name);
  const ctx: OpContext = { run: (req) => runLimactl(runCtx, req), instanceDir, timeouts, scratchDir: opts.scratchDir ?? tmpdir() };
  const verdicts = new VerdictCache();
  const mutex = new KeyedMutex();

  // Serializes `fn` on the instance; a caller that gives up while queued gets Cancelled.
  const exclusive = async <T>(verb: string, name: string, o: OpOptions | undefined, fn: () => Promise<T>): Promise<T> => {
    assertInstanceName(name);
    if (o?.signal?.aborted) throw cancelledBeforeRun(`${verb} ${name}`, o.signal.reason);
    const queuedAt = now();
    try {
      return await mutex.run(name, o?.signal, () => {
        const waited = now() - queuedAt;
        if (waited > 0) log.debug({ instance: name, cmd: verb, waitedMs: waited }, 'instance lock acquired');
        return fn();
      });
    } catch (e) {
      if (e instanceof LockAbortedError) throw cancelledBeforeRun(`${verb} ${name}`, e);
      throw e;
    }
  };
  const guard = (verb: string, o: OpOptions | undefined): void => {
    if (o?.signal?.aborted) throw cancelledBeforeRun(verb, o.signal.reason);
  };

  return {
    binary,
    limaHome: opts.limaHome,
    instanceDir,
    busyInstances: () => mutex.busyKeys(),
    version: async (o) => {
      guard('--version', o);
      return version(ctx, o);
    },
    create: (name, template, o) => exclusive('create', name, o, () => create(ctx, name, template, o)),
    start: (name, o) => exclusive('start', name, o, () => startInstance(ctx, name, o)),
    stop: (name, o) => exclusive('stop', name, o, () => stopInstance(ctx, name, o)),
    delete: (name, o) => exclusive('delete', name, o, () => remove(ctx, name, o)),
    list: async (names = [], o) => {
      names.forEach(assertInstanceName);
      guard('list', o);
      return list(ctx, names, o);
    },
    validate: async (name, template, o) => {
      assertInstanceName(name);
      guard(`validate ${name}`, o);
      return verdicts.get(name, template, () => validate(ctx, name, template, o));
    },
    readInstanceDir: (name) => {
      assertInstanceName(name);
      return readInstanceDir(instanceDir(name));
    },
    inspect: (name) => {
      assertInstanceName(name);
      return inspectInstance(opts.limaHome, name);
    },
    writeOwnerMarker: (name, uid) => {
      assertInstanceName(name);
      writeOwnerMarkerFile(opts.limaHome, name, uid);
    },
    writeSentinel: (name, uid) => {
      assertInstanceName(name);
      writeSentinelFile(opts.limaHome, name, uid);
    },
    removeSentinel: (name) => {
      assertInstanceName(name);
      removeSentinelFile(opts.limaHome, name);
    },
    writeLimaYaml: (name, text) => {
      assertInstanceName(name);
      writeLimaYamlFile(opts.limaHome, name, text);
    },
    watch: (name, w) => {
      assertInstanceName(name);
      return watchHostagent({ instanceDir: instanceDir(name), since: w.since, onEvent: w.onEvent, signal: w.signal, log: w.log, ...(w.pollMs !== undefined ? { pollMs: w.pollMs } : {}) });
    },
    shell: async (name, argv, o) => {
      assertInstanceName(name);
      guard(`shell ${name}`, o);
      return shell(ctx, name, argv, readInstanceDir(instanceDir(name)), o);
    },
  };
}
