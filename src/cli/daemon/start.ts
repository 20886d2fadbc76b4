// Starting the daemon: `rdd service start`, and the implicit start before every client command.
// The daemon runs `rdd service serve --foreground` detached in its own process group, its output
// appended to the daemon log. Ready means: the pid file names a live process, the endpoint file
// was written by that same process, and `hello` answers over it.
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Instance, Paths } from '../../service/instance.js';
import { connect, type Client } from '../../transport/client/client.js';
import type { HelloResult } from '../../transport/protocol.js';
import { CLI_ENTRY } from '../entry.js';
import { formatDuration } from '../duration.js';
import { CliError, timeoutError } from '../exit.js';
import { daemonFiles, removeStalePidFile } from './state.js';
import { childProcess } from '../lazy.js';

export interface Ready {
  readonly pid: number;
  readonly client: Client;
  readonly hello: HelloResult;
}

export interface StartResult {
  readonly pid: number;
  /** This call started the daemon (false: it was already running). */
  readonly started: boolean;
  /** Set when the call waited for readiness. */
  readonly ready?: Ready;
}

export interface StartOptions {
  readonly instance: Instance;
  readonly paths: Paths;
  readonly timeoutMs: number;
  /** Wait until the daemon answers (`service serve` without --foreground does not). */
  readonly wait: boolean;
  readonly logLevel?: string;
  /** Called once the daemon process was spawned. */
  readonly onSpawn?: (pid: number) => void;
}

/** The last lines of the daemon log, to explain a daemon that died while starting. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function spawnDaemon(o: StartOptions): { pid: number; exited: () => { code: number | null; signal: string | null } | undefined } {
  mkdirSync(dirname(o.paths.daemonLog), { recursive: true, mode: 0o700 });
  mkdirSync(o.paths.dir, { recursive: true, mode: 0o700 });
  const fd = openSync(o.paths.daemonLog, 'a', 0o600);
  let exit: { code: number | null; signal: string | null } | undefined;
  try {
    const args = [
      ...process.execArgv,
      CLI_ENTRY,
      '--instance',
      o.instance.name,
      ...(o.logLevel ? ['--log-level', o.logLevel] : []),
      'service',
      'serve',
      '--foreground',
    ];
    const child = childProcess().spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env: process.env });
    child.on('exit', (code, signal) => (exit = { code, signal }));
    child.on('error', () => (exit = { code: null, signal: null }));
    child.unref();
    if (child.pid === undefined) throw new CliError(`could not start the rdd daemon (${process.execPath} ${args.join(' ')})`);
    return { pid: child.pid, exited: () => exit };
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Connects and says hello, or undefined if the daemon does not answer yet. */
export async function tryHello(paths: Paths, pid: number): Promise<Ready | undefined> {
  let client: Client | undefined;
  try {
    client = await connect({ endpointFile: paths.endpointFile, requestTimeoutMs: 10_000 });
    const hello = await client.hello();
    if (hello.daemon.pid !== pid) {
      client.close();
      return undefined;
    }
    return { pid, client, hello };
  } catch {
    client?.close();
    return undefined;
  }
}

/**
 * Starts the daemon unless one runs; with `wait`, returns once some live daemon answers. A
 * daemon that exits while we wait (one shutting down, say) is replaced; the process this call
 * spawned exiting while no other daemon holds the pid file means starting failed, and its log
 * tail says why.
 */
export async function startService(o: StartOptions): Promise<StartResult> {
  const deadline = Date.now() + o.timeoutMs;
  let child: ReturnType<typeof spawnDaemon> | undefined;
  let delay = 25;
  for (;;) {
    const f = daemonFiles(o.paths);
    if (f.pid !== undefined) {
      if (!o.wait) return { pid: f.pid, started: child?.pid === f.pid };
      if (f.endpoint?.pid === f.pid) {
        const ready = await tryHello(o.paths, f.pid);
        if (ready) return { pid: ready.pid, started: child?.pid === ready.pid, ready };
      }
    } else if (child === undefined) {
      removeStalePidFile(o.paths);
      child = spawnDaemon(o);
      o.onSpawn?.(child.pid);
      if (!o.wait) return { pid: child.pid, started: true };
      continue;
    } else {
      const exit = child.exited();
      if (exit) {
        const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
        const tail = logTail(o.paths.daemonLog);
        throw new CliError(`the rdd daemon ${how} while starting; see ${o.paths.daemonLog}${tail ? `:\n${tail}` : ''}`);
      }
    }
    if (Date.now() >= deadline) {
      throw timeoutError(
        `the rdd daemon did not become ready within ${formatDuration(o.timeoutMs)}` +
          `${f.pid !== undefined ? ` (pid ${f.pid})` : ''}; see ${o.paths.daemonLog}`,
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
}
