// Parses limactl's stderr: JSON log lines under --log-format=json (docs/lima.md#conventions-of-limactl), tolerating
// logrus text lines (older binaries, wrappers) and bare text such as the root refusal.

export type LogLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'fatal' | 'panic' | 'text';

/** One stderr line, reduced to level and message. */
export interface LogLine {
  readonly level: LogLevel;
  readonly msg: string;
  /** Extra JSON fields (e.g. `errors`), when the line was JSON. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** What the driver keeps from one invocation's stderr. */
export interface ParsedStderr {
  readonly lines: readonly LogLine[];
  /** The last fatal message, else the last error message, else undefined. */
  readonly failure?: string;
  /** Every error/fatal message, oldest first. */
  readonly errors: readonly string[];
}

const levels = new Set(['trace', 'debug', 'info', 'warning', 'warn', 'error', 'fatal', 'panic']);

function normalizeLevel(l: string): LogLevel {
  if (l === 'warn') return 'warning';
  return levels.has(l) ? (l as LogLevel) : 'text';
}

// logrus text formatter: time="..." level=fatal msg="..." key=value; msg is Go-quoted.
const textRe = /(?:^|\s)level=(\w+)\s+msg=("(?:[^"\\]|\\.)*"|\S+)/;

function unquoteGo(s: string): string {
  if (!s.startsWith('"')) return s;
  try {
    return JSON.parse(s) as string;
  } catch {
    return s.slice(1, -1);
  }
}

/** Parses one stderr line; blank lines give undefined. */
export function parseLogLine(raw: string): LogLine | undefined {
  const line = raw.trim();
  if (line === '') return undefined;
  if (line.startsWith('{')) {
    try {
      const o = JSON.parse(line) as unknown;
      if (typeof o === 'object' && o !== null && !Array.isArray(o)) {
        const { level, msg, ...fields } = o as Record<string, unknown>;
        if (typeof msg === 'string') {
          return { level: normalizeLevel(typeof level === 'string' ? level : ''), msg, fields };
        }
      }
    } catch {
      // not JSON after all: fall through to text handling
    }
  }
  const m = textRe.exec(line);
  if (m?.[1] !== undefined && m[2] !== undefined) return { level: normalizeLevel(m[1]), msg: unquoteGo(m[2]) };
  // `limactl: must not run as the root user` is printed bare before logging is set up.
  if (/^limactl: /.test(line)) return { level: 'fatal', msg: line.slice('limactl: '.length) };
  return { level: 'text', msg: line };
}

/** Parses a whole stderr capture. */
export function parseStderr(stderr: string): ParsedStderr {
  const lines: LogLine[] = [];
  const errors: string[] = [];
  let fatal: string | undefined;
  let lastError: string | undefined;
  for (const raw of stderr.split('\n')) {
    const l = parseLogLine(raw);
    if (!l) continue;
    lines.push(l);
    if (l.level === 'fatal' || l.level === 'panic') {
      fatal = l.msg;
      errors.push(l.msg);
    } else if (l.level === 'error') {
      lastError = l.msg;
      errors.push(l.msg);
    }
  }
  const failure = fatal ?? lastError;
  return failure === undefined ? { lines, errors } : { lines, errors, failure };
}

/** The last `n` messages, for error reports. */
export function tailMessages(p: ParsedStderr, n = 20): string[] {
  return p.lines.slice(-n).map((l) => (l.level === 'text' ? l.msg : `${l.level}: ${l.msg}`));
}
