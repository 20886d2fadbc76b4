// Exit codes and the one place that maps an error to one. Commands throw; main.ts prints the
// message and exits with exitCodeOf(error).
import { CommanderError } from 'commander';
import { isApiError } from '../api/errors.js';

/** The client marks "no daemon answers" with this cause (transport/client/errors.ts). */
const DAEMON_NOT_RUNNING = 'DaemonNotRunning';

export const ExitCode = {
  Ok: 0,
  Error: 1,
  Usage: 2,
  /** The server refused the request (admission or validation: 400, 403, 422). */
  Rejected: 3,
  Timeout: 4,
  Incompatible: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI raises itself, carrying its exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Error,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A child process's exit status, propagated as is and without a message (`limavm shell`). */
export class ChildExit extends Error {
  override readonly name = 'ChildExit';
  constructor(readonly status: number) {
    super(`child exited with status ${status}`);
  }
}

export const usageError = (message: string): CliError => new CliError(message, ExitCode.Usage);
export const timeoutError = (message: string): CliError => new CliError(message, ExitCode.Timeout);

/** Commander's own exits: help and version are successes, everything else is a usage error. */
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version', 'commander.executeSubCommandAsync']);

export function exitCodeOf(e: unknown): number {
  if (e instanceof ChildExit) return e.status;
  if (e instanceof CliError) return e.exitCode;
  if (e instanceof CommanderError) return COMMANDER_OK.has(e.code) || e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  if (isApiError(e)) {
    if ((e.details?.causes ?? []).some((c) => c.reason === DAEMON_NOT_RUNNING)) return ExitCode.Error;
    if (e.code === 400 || e.code === 403 || e.code === 422) return ExitCode.Rejected;
    if (e.code === 504 || e.reason === 'Timeout') return ExitCode.Timeout;
    return ExitCode.Error;
  }
  return ExitCode.Error;
}

/** The line printed for an error (commander prints its own, so none for those). */
export function messageOf(e: unknown): string | undefined {
  if (e instanceof CommanderError || e instanceof ChildExit) return undefined;
  if (e instanceof Error) return e.message;
  return String(e);
}
