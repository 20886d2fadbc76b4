// What every command needs: the instance and its paths (from --instance / RDD_INSTANCE), output
// streams, and a session with a running, compatible daemon (started on demand).
import { isApiError } from '../api/errors.js';
import { resolveInstance, resolvePaths, type Instance, type Paths } from '../service/instance.js';
import { VERSION } from '../service/version.js';
import type { Client } from '../transport/client/client.js';
import { PROTOCOL_VERSION, type DaemonInfo, type HelloResult } from '../transport/protocol.js';
import { CliError, ExitCode, usageError } from './exit.js';

export interface GlobalOptions {
  readonly instance?: string;
  readonly logLevel?: string;
}

export interface Io {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

export interface Session {
  readonly client: Client;
  readonly hello: HelloResult;
  /** The daemon's pid (waits watch it: a daemon that dies ends the wait). */
  readonly pid: number;
}

/** How long a client command waits for the daemon it starts. */
export const ENSURE_DAEMON_TIMEOUT_MS = 90_000;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** "Lima simulator at …" or "limactl 1.0.2 at …": which Lima the daemon drives. */
export function describeLima(l: DaemonInfo['lima']): string {
  return l.kind === 'simulator'
    ? `the bundled Lima simulator (${l.path}); limactl is not installed`
    : `limactl${l.version ? ` ${l.version}` : ''} (${l.path})`;
}

const major = (v: string): string => v.split('.')[0] ?? v;

/** Exit 5 unless the daemon speaks this CLI's protocol and has the same major version. */
export function checkCompatible(h: HelloResult): void {
  const protocol = h.protocol !== PROTOCOL_VERSION ? h.protocol : h.daemon.protocol;
  if (protocol === PROTOCOL_VERSION && major(h.daemon.version) === major(VERSION)) return;
  throw new CliError(
    `incompatible daemon: pid ${h.daemon.pid} runs rdd ${h.daemon.version} (protocol ${protocol}), ` +
      `this rdd is ${VERSION} (protocol ${PROTOCOL_VERSION}). Stop it with "rdd service stop" ` +
      `(its state is kept) and run the command again to start a matching daemon`,
    ExitCode.Incompatible,
  );
}

export class Cli {
  private inst: Instance | undefined;
  private sessionP: Promise<Session> | undefined;

  constructor(
    readonly globals: GlobalOptions,
    readonly io: Io,
  ) {}

  get instance(): Instance {
    if (!this.inst) {
      try {
        this.inst = resolveInstance(this.globals.instance);
      } catch (e) {
        throw isApiError(e) ? usageError(e.message) : e;
      }
    }
    return this.inst;
  }

  get paths(): Paths {
    return resolvePaths(this.instance);
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A connected client of a running daemon; starts the daemon first when needed. */
  session(): Promise<Session> {
    this.sessionP ??= (async () => {
      // Loaded here: the client (ws, msgpackr) is not needed by commands without a daemon.
      const { startService } = await import('./daemon/start.js');
      const r = await startService({
        instance: this.instance,
        paths: this.paths,
        timeoutMs: ENSURE_DAEMON_TIMEOUT_MS,
        wait: true,
        ...(this.globals.logLevel ? { logLevel: this.globals.logLevel } : {}),
        onSpawn: () => this.err(`Starting the rdd daemon for instance "${this.instance.name}"…`),
      });
      const ready = r.ready!;
      if (r.started) this.err(`The rdd daemon is running (pid ${ready.pid}); Lima: ${describeLima(ready.hello.daemon.lima)}`);
      try {
        checkCompatible(ready.hello);
      } catch (e) {
        ready.client.close();
        throw e;
      }
      return { client: ready.client, hello: ready.hello, pid: ready.pid };
    })();
    return this.sessionP;
  }

  async close(): Promise<void> {
    const s = await this.sessionP?.catch(() => undefined);
    s?.client.close();
  }
}
