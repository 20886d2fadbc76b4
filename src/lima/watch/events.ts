// The hostagent event stream (docs/lima.md#hostagent-events): parsing one ha.stdout.log line, and deriving phase
// transitions from the status snapshots. Pure: no IO, no clock.
import type { HostagentEvent } from '../types.js';

/** The Status fields the daemon reads; every field is optional on the wire. */
export interface HostagentStatus {
  readonly running?: boolean;
  readonly degraded?: boolean;
  readonly exiting?: boolean;
  readonly errors?: readonly string[];
  readonly sshLocalPort?: number;
}

/** One parsed line: `{"time": RFC3339Nano, "status": {...}}`. */
export interface StatusLine {
  readonly time: string;
  /** `time` as epoch ms (sub-millisecond digits dropped). */
  readonly timeMs: number;
  readonly status: HostagentStatus;
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 3339 time with any number of fractional digits; undefined if malformed. */
export function parseRfc3339(s: string): number | undefined {
  const m = rfc3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, frac, zone] = m;
  const ms = Number((frac ?? '').padEnd(3, '0').slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se), ms);
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    t -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return Number.isFinite(t) ? t : undefined;
}

function strings(v: unknown): readonly string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

/** Parses one line; undefined when it is not an event (not JSON, no valid time, no status object). */
export function parseStatusLine(line: string): StatusLine | undefined {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const { time, status } = o as Record<string, unknown>;
  if (typeof time !== 'string' || typeof status !== 'object' || status === null || Array.isArray(status)) return undefined;
  const timeMs = parseRfc3339(time);
  if (timeMs === undefined) return undefined;
  const s = status as Record<string, unknown>;
  const errors = strings(s.errors);
  return {
    time,
    timeMs,
    status: {
      ...(s.running === true ? { running: true } : {}),
      ...(s.degraded === true ? { degraded: true } : {}),
      ...(s.exiting === true ? { exiting: true } : {}),
      ...(errors ? { errors } : {}),
      ...(typeof s.sshLocalPort === 'number' ? { sshLocalPort: s.sshLocalPort } : {}),
    },
  };
}

/** Where one hostagent run is, as far as its events tell. */
export type Phase = 'none' | 'starting' | 'running' | 'degraded' | 'exiting';

/**
 * The next phase after a status snapshot, and the event to emit if the phase changed. Every line
 * repeats the whole status (port-forward events copy it), so only transitions produce events.
 */
export function nextPhase(phase: Phase, line: StatusLine): { phase: Phase; event?: HostagentEvent } {
  const { status: s, time } = line;
  const errors = s.errors ?? [];
  if (s.exiting === true) {
    return phase === 'exiting' ? { phase } : { phase: 'exiting', event: { type: 'exiting', errors, time } };
  }
  if (s.running === true) {
    const degraded = s.degraded === true;
    const next: Phase = degraded ? 'degraded' : 'running';
    return phase === next ? { phase } : { phase: next, event: { type: 'running', degraded, errors, time } };
  }
  const port = s.sshLocalPort ?? 0;
  // Starting is a new run's first sign of life: before it ran, or after the previous run exited.
  if (port > 0 && (phase === 'none' || phase === 'exiting')) {
    return { phase: 'starting', event: { type: 'starting', sshLocalPort: port, time } };
  }
  return { phase };
}
