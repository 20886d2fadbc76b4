// Runs one limactl invocation through execa and returns it as data (exit code, signal, timeout,
// cancellation, parsed stderr). Turning a failed result into a LimaError is a separate step.
import type { Logger } from '../../log.js';
import type { LimaErrorCode } from '../types.js';
import { LimaError } from '../errors.js';
import { classifyLimaMessage } from './classify.js';
import type { ResolvedLimactl } from './resolve.js';
import { parseStderr, tailMessages, type ParsedStderr } from './stderr.js';

/** What every invocation shares: which binary, which LIMA_HOME, extra env, logger. */
export interface RunContext {
  readonly binary: ResolvedLimactl;
  readonly limaHome: string;
  readonly env: Readonly<Record<string, string>>;
  readonly log: Logger;
  /** Delay between SIGTERM and SIGKILL when a call is cancelled or times out. */
  readonly killGraceMs: number;
}

export interface RunRequest {
  /** The subcommand and its arguments, e.g. `['start', '--timeout=10s', 'dev']`. */
  readonly args: readonly string[];
  readonly instance?: string;
  /** Written to stdin; without it stdin is ignored. */
  readonly input?: string;
  readonly signal?: AbortSignal;
  /** execa timeout; undefined = none (shell). */
  readonly timeoutMs?: number;
  readonly stdio?: 'pipe' | 'inherit';
  /** Log level for the per-call line (list/version are chatty, so debug). */
  readonly logLevel?: 'debug' | 'info';
}

/** The outcome of one invocation; success and failure have the same shape. */
export interface LimactlResult {
  /** The command line after the global flags, for messages: `stop -f dev`. */
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  /** The caller's signal aborted the call. */
  readonly canceled: boolean;
  /** SIGKILL was needed after SIGTERM. */
  readonly forced: boolean;
  readonly durationMs: number;
  readonly stdout: string;
  readonly stderr: ParsedStderr;
  /** stderr as captured (empty with inherited stdio). */
  readonly stderrText: string;
  /** The execa timeout this call ran under, if any. */
  readonly timeoutMs?: number;
  /** Set when the binary could not be spawned at all (ENOENT, EACCES). */
  readonly spawnError?: string;
}

/** True when the call ran to completion with exit code 0. */
export const succeeded = (r: LimactlResult): boolean =>
  r.exitCode === 0 && !r.timedOut && !r.canceled && r.spawnError === undefined;

/** Runs `limactl --log-format=json --tty=false ARGS` under LIMA_HOME. Never throws for a failed run. */
export async function runLimactl(ctx: RunContext, req: RunRequest): Promise<LimactlResult> {
  const command = req.args.join(' ');
  const argv = [...ctx.binary.argsPrefix, '--log-format=json', '--tty=false', ...req.args];
  const inherit = req.stdio === 'inherit';
  // Loaded on the first call: execa's module graph takes ~50 ms to initialize, which the daemon
  // would otherwise pay before it answers `hello` (bench/daemon).
  const { execa } = await import('execa');
  const r = await execa(ctx.binary.command, argv, {
    env: { ...ctx.env, LIMA_HOME: ctx.limaHome },
    reject: false,
    ...(req.signal ? { cancelSignal: req.signal } : {}),
    ...(req.timeoutMs !== undefined ? { timeout: Math.max(1, Math.ceil(req.timeoutMs)) } : {}),
    forceKillAfterDelay: ctx.killGraceMs,
    ...(inherit
      ? { stdio: 'inherit' as const }
      : req.input !== undefined
        ? { input: req.input }
        : { stdin: 'ignore' as const }),
  });
  const stderrText = typeof r.stderr === 'string' ? r.stderr : '';
  const stderr = parseStderr(stderrText);
  const spawnError =
    r.exitCode === undefined && !r.isTerminated && r.cause instanceof Error ? r.cause.message : undefined;
  const result: LimactlResult = {
    command,
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.timedOut,
    canceled: r.isCanceled,
    forced: r.isForcefullyTerminated,
    durationMs: Math.round(r.durationMs),
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr,
    stderrText,
    ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
    ...(spawnError !== undefined ? { spawnError } : {}),
  };
  const fields = {
    cmd: req.args[0],
    instance: req.instance,
    ms: result.durationMs,
    exitCode: result.exitCode,
    ...(result.signal ? { signal: result.signal } : {}),
    ...(result.timedOut ? { timedOut: true } : {}),
    ...(result.canceled ? { canceled: true } : {}),
    ...(stderr.failure !== undefined && !succeeded(result) ? { failure: stderr.failure } : {}),
  };
  ctx.log[req.logLevel ?? 'info'](fields, 'limactl call');
  return result;
}

/** The LimaError for a failed result: cancellation and timeouts first, then limactl's own message. */
export function toLimaError(r: LimactlResult): LimaError {
  const base = { command: r.command, stderrTail: tailMessages(r.stderr), ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}) };
  let code: LimaErrorCode;
  let shortMessage: string;
  if (r.canceled) {
    code = 'Cancelled';
    shortMessage = 'cancelled by the caller; limactl was terminated';
  } else if (r.timedOut) {
    code = 'Timeout';
    shortMessage = `limactl did not finish within ${r.timeoutMs ?? r.durationMs} ms and was terminated`;
  } else if (r.spawnError !== undefined) {
    code = 'Unknown';
    shortMessage = `could not run limactl: ${r.spawnError}`;
  } else if (r.stderr.failure !== undefined) {
    shortMessage = r.stderr.failure;
    code = classifyLimaMessage(shortMessage);
  } else {
    code = 'Unknown';
    const text = r.stderr.lines.filter((l) => l.level === 'text').map((l) => l.msg);
    // A crash (Go panic, node exception) prints text, not a log line; its first error-ish line says most.
    const hint = text.find((m) => /error|panic|fatal/i.test(m)) ?? text.at(-1);
    shortMessage = r.signal
      ? `limactl was killed by ${r.signal}`
      : `limactl exited with code ${String(r.exitCode)}${hint !== undefined ? `: ${hint}` : ' without an error message'}`;
  }
  return new LimaError({ ...base, code, shortMessage });
}

/** A Cancelled LimaError for work that never reached limactl (lock wait, pre-checks). */
export function cancelledBeforeRun(command: string, cause: unknown): LimaError {
  return new LimaError({ code: 'Cancelled', command, shortMessage: 'cancelled by the caller before limactl ran', cause });
}
