// The hostagent event stream (docs/lima.md#hostagent-events): one `{"time","status"}` JSON line per event in
// ha.stdout.log, fsync'd. Writers live in the hostagent; `EventTail` and `StderrEcho` are the
// readers used by `start`/`stop` (time filter, abort on a non-JSON line, `[hostagent] ` echo).
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import type { CliLogger, Level } from './output.js';
import { parseRfc3339, rfc3339 } from './output.js';

/** Status fields in Lima's declaration order; all optional (omitempty). */
export interface HaStatus {
  running?: boolean;
  degraded?: boolean;
  exiting?: boolean;
  errors?: string[];
  sshLocalPort?: number;
}

export interface HaEvent {
  time: string;
  status: HaStatus;
}

/** Writes one event line to `fd` and fsyncs it (fsync fails harmlessly on a pipe or TTY). */
export function writeEvent(fd: number, status: HaStatus): void {
  const ordered: HaStatus = {};
  if (status.running) ordered.running = true;
  if (status.degraded) ordered.degraded = true;
  if (status.exiting) ordered.exiting = true;
  if (status.errors && status.errors.length > 0) ordered.errors = status.errors;
  if (status.sshLocalPort) ordered.sshLocalPort = status.sshLocalPort;
  writeRaw(fd, JSON.stringify({ time: rfc3339(new Date(), true), status: ordered }) + '\n');
}

export function writeRaw(fd: number, line: string): void {
  writeSync(fd, line);
  try {
    fsyncSync(fd);
  } catch {
    // Not a regular file.
  }
}

/** Go's %+v of the Status struct, as printed in start's "exiting, status={...}" errors. */
export function goStatus(s: HaStatus): string {
  const errs = `[${(s.errors ?? []).join(' ')}]`;
  return (
    `{Running:${s.running === true} Degraded:${s.degraded === true} Exiting:${s.exiting === true} ` +
    `Errors:${errs} SSHLocalPort:${s.sshLocalPort ?? 0} CloudInitProgress:<nil> PortForward:<nil> Vsock:<nil>}`
  );
}

/** Reads complete new lines of a growing file (partial last lines wait for their newline). */
export class LineTail {
  private offset = 0;
  private rest = '';

  constructor(private readonly path: string, startOffset = 0) {
    this.offset = startOffset;
  }

  /** New complete lines since the last call; [] when the file does not exist (yet). */
  read(): string[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return [];
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      let chunk = '';
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        chunk += buf.toString('utf8', 0, n);
      }
      const text = this.rest + chunk;
      const lines = text.split('\n');
      this.rest = lines.pop() ?? '';
      return lines;
    } finally {
      closeSync(fd);
    }
  }
}

export class EventParseError extends Error {}

/** Events of ha.stdout.log at or after `sinceMs` (wall clock), like Lima's events.Watch. */
export class EventTail {
  private readonly lines: LineTail;

  constructor(path: string, private readonly sinceMs: number) {
    this.lines = new LineTail(path);
  }

  /** New events; throws EventParseError on a non-JSON line, as Lima's reader aborts. */
  read(): HaEvent[] {
    const out: HaEvent[] = [];
    for (const line of this.lines.read()) {
      if (line.trim() === '') continue;
      let ev: HaEvent;
      try {
        ev = JSON.parse(line) as HaEvent;
      } catch (e) {
        throw new EventParseError(`failed to parse hostagent event ${JSON.stringify(line)}: ${(e as Error).message}`);
      }
      if (typeof ev !== 'object' || ev === null || typeof ev.time !== 'string') {
        throw new EventParseError(`failed to parse hostagent event ${JSON.stringify(line)}: no time`);
      }
      const t = parseRfc3339(ev.time);
      if (!Number.isNaN(t) && t < this.sinceMs) continue;
      out.push({ time: ev.time, status: ev.status ?? {} });
    }
    return out;
  }
}

const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warning', 'error', 'fatal'];

/**
 * Re-logs hostagent stderr lines with a `[hostagent] ` prefix at their own level. A hostagent
 * `fatal` is re-logged as `error`, so the command's own failure stays the only fatal line.
 */
export class StderrEcho {
  private readonly lines: LineTail;

  constructor(path: string, private readonly log: CliLogger, startOffset = 0) {
    this.lines = new LineTail(path, startOffset);
  }

  pump(): void {
    for (const line of this.lines.read()) {
      if (line.trim() === '') continue;
      let level: Level = 'info';
      let msg = line;
      const fields: Record<string, unknown> = {};
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        const l = String(obj.level);
        level = (LEVELS as readonly string[]).includes(l) ? (l as Level) : l === 'warn' ? 'warning' : 'info';
        msg = String(obj.msg ?? '');
        for (const [k, v] of Object.entries(obj)) if (k !== 'level' && k !== 'msg' && k !== 'time') fields[k] = v;
      } catch {
        // A non-JSON stderr line is echoed verbatim at info level.
      }
      this.log.log(level === 'fatal' ? 'error' : level, `[hostagent] ${msg}`, fields);
    }
  }
}
