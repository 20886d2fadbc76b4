// Option parsers and the option sets several commands share.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../duration.js';

export function durationArg(v: string): number {
  const ms = parseDuration(v);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 90s, 5m or 1h30m (a bare number is seconds)');
  return ms;
}

export function boolArg(v: string): boolean {
  const t = v.trim().toLowerCase();
  if (['1', 't', 'true', 'y', 'yes', 'on'].includes(t)) return true;
  if (['0', 'f', 'false', 'n', 'no', 'off'].includes(t)) return false;
  throw new InvalidArgumentError('expected true or false');
}

export function nonNegativeIntArg(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(v);
}

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export interface WaitFlags {
  readonly wait: boolean;
  readonly timeout: number;
  readonly dryRun?: boolean;
}

/** `--wait` (default true; `--wait=false` or `--no-wait`), `--timeout` (0 = no limit), `--dry-run`. */
export function waitOptions(cmd: Command, o: { timeout?: string; dryRun?: boolean } = {}): Command {
  cmd
    .option('--wait [bool]', 'wait until the change has taken effect', boolArg, true)
    .option('--no-wait', 'return once the change is stored')
    .addOption(timeoutOption('give up waiting after this long (0 = no limit); exit code 4', o.timeout ?? '5m'));
  if (o.dryRun !== false) cmd.option('--dry-run', 'validate on the server without storing anything', false);
  return cmd;
}

/** `--timeout <duration>` with a readable default in the help. */
export function timeoutOption(description: string, def: string): Option {
  return new Option('--timeout <duration>', description).argParser(durationArg).default(durationArg(def), def);
}
