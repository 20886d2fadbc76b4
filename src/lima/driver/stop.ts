// `limactl stop`: graceful first, bounded by graceMs, then `stop -f` on failure or deadline
// (docs/lima.md#calls). Stopping a stopped or missing instance succeeds.
import { existsSync } from 'node:fs';
import type { StopOptions, StopOutcome } from '../types.js';
import { classifyLimaMessage, isAlreadyStoppedMessage } from './classify.js';
import type { OpContext } from './context.js';
import { succeeded, toLimaError } from './run.js';

/** `stop -f N`: SIGKILL driver and hostagent, remove pid/sock files. Never waits on the guest. */
export async function forceStop(ctx: OpContext, name: string, signal: AbortSignal | undefined): Promise<void> {
  const r = await ctx.run({
    args: ['stop', '-f', name],
    instance: name,
    timeoutMs: ctx.timeouts.forceStopMs,
    ...(signal ? { signal } : {}),
  });
  if (!succeeded(r)) throw toLimaError(r);
}

export async function stopInstance(ctx: OpContext, name: string, opts: StopOptions): Promise<StopOutcome> {
  if (!existsSync(ctx.instanceDir(name))) return { forced: false };
  if (opts.graceMs <= 0) {
    await forceStop(ctx, name, opts.signal);
    return { forced: true, reason: 'no grace period was given (graceMs is 0)' };
  }
  const r = await ctx.run({
    args: ['stop', name],
    instance: name,
    timeoutMs: opts.graceMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (succeeded(r)) return { forced: false };
  if (r.canceled) throw toLimaError(r);
  const failure = r.stderr.failure;
  if (!r.timedOut && failure !== undefined) {
    if (isAlreadyStoppedMessage(failure)) return { forced: false };
    const code = classifyLimaMessage(failure);
    if (code === 'NotFound') return { forced: false };
    // Forcing cannot help with these; report them as they are.
    if (code === 'RootRefused') throw toLimaError(r);
  }
  const reason = r.timedOut
    ? `the graceful stop did not finish within ${opts.graceMs} ms`
    : `the graceful stop failed: ${failure ?? toLimaError(r).shortMessage}`;
  await forceStop(ctx, name, opts.signal);
  return { forced: true, reason };
}
