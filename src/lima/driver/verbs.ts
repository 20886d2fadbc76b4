// The short limactl verbs: version, create, delete, list, validate, shell (docs/lima.md#calls).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';
import { LimaError } from '../errors.js';
import type { InstanceDirState, LimaInstance, OpOptions } from '../types.js';
import type { OpContext } from './context.js';
import { classifyLimaMessage } from './classify.js';
import { parseListOutput } from './list-output.js';
import { succeeded, toLimaError } from './run.js';

const sig = (o: OpOptions | undefined): { signal?: AbortSignal } => (o?.signal ? { signal: o.signal } : {});

/** `limactl --version`, trimmed (e.g. `limactl version 2.2.0`). */
export async function version(ctx: OpContext, opts?: OpOptions): Promise<string> {
  const r = await ctx.run({ args: ['--version'], timeoutMs: ctx.timeouts.versionMs, logLevel: 'debug', ...sig(opts) });
  if (!succeeded(r)) throw toLimaError(r);
  return r.stdout.trim();
}

/** `create --name=N -` with the template on stdin. An existing instance is AlreadyExists. */
export async function create(ctx: OpContext, name: string, template: string, opts?: OpOptions): Promise<void> {
  const r = await ctx.run({
    args: ['create', `--name=${name}`, '-'],
    instance: name,
    input: template,
    timeoutMs: ctx.timeouts.createMs,
    ...sig(opts),
  });
  if (!succeeded(r)) throw toLimaError(r);
}

/** `delete -f N`; limactl itself treats a missing instance as success (a warning, exit 0). */
export async function remove(ctx: OpContext, name: string, opts?: OpOptions): Promise<void> {
  const r = await ctx.run({ args: ['delete', '-f', name], instance: name, timeoutMs: ctx.timeouts.deleteMs, ...sig(opts) });
  if (!succeeded(r)) throw toLimaError(r);
}

/** `list --json [names]`; names that do not exist are skipped (exit 1 + `unmatched instances`). */
export async function list(ctx: OpContext, names: readonly string[], opts?: OpOptions): Promise<LimaInstance[]> {
  const r = await ctx.run({ args: ['list', '--json', ...names], timeoutMs: ctx.timeouts.listMs, logLevel: 'debug', ...sig(opts) });
  const unmatchedOnly = !r.canceled && !r.timedOut && r.exitCode === 1 && r.stderr.failure === 'unmatched instances';
  if (!succeeded(r) && !unmatchedOnly) throw toLimaError(r);
  const parsed = parseListOutput(r.stdout);
  if (!parsed.ok) {
    throw new LimaError({ code: 'Unknown', command: r.command, shortMessage: parsed.message, ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}) });
  }
  return parsed.instances;
}

/** `validate <tmp>/<name>.yaml` in a fresh temp dir (limactl derives the name from the file). */
export async function validate(
  ctx: OpContext,
  name: string,
  template: string,
  opts?: OpOptions,
): Promise<{ ok: true } | { ok: false; message: string }> {
  mkdirSync(ctx.scratchDir, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(ctx.scratchDir, 'rdd-validate-'));
  try {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, template, { mode: 0o600 });
    const r = await ctx.run({ args: ['validate', file], instance: name, timeoutMs: ctx.timeouts.validateMs, ...sig(opts) });
    if (succeeded(r)) return { ok: true };
    // Only a verdict on the template is a result; a cancelled, timed-out or refused run is an error.
    if (r.canceled || r.timedOut || r.spawnError !== undefined || r.stderr.failure === undefined) throw toLimaError(r);
    if (classifyLimaMessage(r.stderr.failure) === 'RootRefused') throw toLimaError(r);
    return { ok: false, message: r.stderr.failure };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `shell N CMD...`: the remote command's exit code is data; a missing or stopped instance is an error. */
export async function shell(
  ctx: OpContext,
  name: string,
  argv: readonly string[],
  state: InstanceDirState,
  opts?: OpOptions & { stdio?: 'inherit' | 'pipe' },
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const command = `shell ${name}`;
  if (state.status === 'Missing' || !state.hasConfig) {
    throw new LimaError({ code: 'NotFound', command, shortMessage: `instance \`${name}\` does not exist` });
  }
  if (state.status !== 'Running') {
    throw new LimaError({ code: 'NotRunning', command, shortMessage: `instance \`${name}\` is not running (status ${state.status})` });
  }
  const r = await ctx.run({ args: ['shell', name, ...argv], instance: name, stdio: opts?.stdio ?? 'pipe', ...sig(opts) });
  if (r.canceled || r.timedOut || r.spawnError !== undefined) throw toLimaError(r);
  const exitCode = r.exitCode ?? 128 + (r.signal ? (constants.signals[r.signal as NodeJS.Signals] ?? 0) : 0);
  return { exitCode, stdout: r.stdout, stderr: r.stderrText };
}
