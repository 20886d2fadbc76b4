// Logger construction. Everything logs through pino with structured fields: JSON by default,
// pretty when writing to a terminal. Tests use silentLogger().
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: LevelWithSilent;
  /** Pretty-print (pino-pretty) instead of JSON; default: stderr is a TTY. */
  readonly pretty?: boolean;
  /** Write to this file descriptor or path instead of stderr. */
  readonly destination?: number | string;
  readonly name?: string;
}

export function createLogger(o: LoggerOptions = {}): Logger {
  const level = o.level ?? (process.env.RDD_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info';
  const dest = o.destination ?? 2;
  const pretty = o.pretty ?? (dest === 2 && process.stderr.isTTY === true);
  const base = { name: o.name ?? 'rdd', level };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { destination: dest, colorize: true } } });
  }
  return pino(base, pino.destination({ dest, sync: typeof dest === 'number' }));
}

/** A logger that drops everything (tests); pass RDD_TEST_LOG=debug to see logs on stderr. */
export function silentLogger(): Logger {
  const level = process.env.RDD_TEST_LOG as LevelWithSilent | undefined;
  return level ? pino({ level }, pino.destination(2)) : pino({ level: 'silent' });
}
