// limactl's stderr protocol (docs/lima.md#conventions-of-limactl): logrus text lines `time="…" level=L msg="…"` or,
// with --log-format=json, one JSON object per line. A failure is a thrown Fatal: main prints one
// `level=fatal` line and exits 1.

export type Level = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'fatal';
const ORDER: Record<Level, number> = { trace: 0, debug: 1, info: 2, warning: 3, error: 4, fatal: 5 };

/** An error that ends the command: its message becomes the single fatal line. */
export class Fatal extends Error {}

/** RFC 3339 in local time, like Go's time.Format(RFC3339[Nano]); Nano trims trailing zeros. */
export function rfc3339(d: Date = new Date(), nano = false): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  let frac = '';
  if (nano) {
    const ms = pad(d.getMilliseconds(), 3).replace(/0+$/, '');
    if (ms !== '') frac = `.${ms}`;
  }
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${frac}${zone}`
  );
}

/** Parses an RFC 3339 time with any number of fraction digits (JS keeps ms). NaN if invalid. */
export function parseRfc3339(s: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return NaN;
  const frac = (m[2] ?? '').slice(0, 3).padEnd(3, '0');
  return Date.parse(`${m[1]}.${frac}${m[3]}`);
}

let quoteStyle: 'backquote' | 'double' = 'backquote';

/** v2.2 quotes names with `%#q` (backquotes); older versions with `%q`. Set from the version. */
export function setQuoteStyle(style: 'backquote' | 'double'): void {
  quoteStyle = style;
}

/** A value quoted the way the emulated limactl version does. */
export function q(s: string): string {
  return quoteStyle === 'backquote' && !s.includes('`') ? `\`${s}\`` : JSON.stringify(s);
}

/** logrus quotes a text value unless every character is "safe". */
function textValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /^[A-Za-z0-9\-._/@^+]+$/.test(s) ? s : JSON.stringify(s);
}

export interface LogSink {
  write(line: string): void;
}

export class CliLogger {
  constructor(
    private readonly format: 'json' | 'text',
    private readonly minLevel: Level = 'info',
    private readonly sink: LogSink = { write: (l) => process.stderr.write(l) },
  ) {}

  log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
    if (ORDER[level] < ORDER[this.minLevel]) return;
    const time = rfc3339();
    if (this.format === 'json') {
      // Go's encoding/json sorts map keys; keep that order.
      const obj: Record<string, unknown> = { ...fields, level, msg, time };
      const sorted = Object.fromEntries(Object.keys(obj).sort().map((k) => [k, obj[k]]));
      this.sink.write(JSON.stringify(sorted) + '\n');
    } else {
      const extra = Object.keys(fields)
        .sort()
        .map((k) => ` ${k}=${textValue(fields[k])}`)
        .join('');
      this.sink.write(`time="${time}" level=${level} msg=${JSON.stringify(msg)}${extra}\n`);
    }
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warning', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }
  fatal(msg: string): void {
    this.log('fatal', msg);
  }
}

/** Go's time.Duration String(): 5s, 1m30s, 250ms, 3m10s. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

/** Parses a Go duration ("10m", "1m30s", "500ms", "1.5h", "0"). NaN when invalid. */
export function parseGoDuration(s: string): number {
  if (s === '0') return 0;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return NaN;
    total += Number(m[1]) * (unit[m[2] ?? ''] ?? NaN);
    i = re.lastIndex;
  }
  return s.length === 0 ? NaN : total;
}
