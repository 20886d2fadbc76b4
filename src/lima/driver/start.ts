// `limactl start`: never on an instance that is not on disk (limactl would create one from the
// default template), outcomes per docs/lima.md#idempotency. A cancelled or timed-out start leaves the
// detached hostagent running, as real Lima does; the caller stops it or keeps watching.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LimaError } from '../errors.js';
import { INSTANCE_FILES } from '../layout.js';
import type { StartOptions, StartOutcome } from '../types.js';
import { parseStatusLine } from '../watch/events.js';
import { isAlreadyRunningMessage } from './classify.js';
import type { OpContext } from './context.js';
import { goDuration } from './names.js';
import { succeeded, toLimaError, type LimactlResult } from './run.js';

/** Errors of the last degraded status in ha.stdout.log (the fatal message only has a Go dump). */
function degradedErrors(dir: string, r: LimactlResult): readonly string[] {
  let text = '';
  try {
    text = readFileSync(join(dir, INSTANCE_FILES.haStdout), 'utf8');
  } catch {
    // fall back to what limactl logged at error level
  }
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const ev = parseStatusLine(lines[i] ?? '');
    if (ev?.status.degraded === true) return ev.status.errors ?? [];
  }
  return r.stderr.errors.filter((m) => !/^degraded, status=/.test(m));
}

export async function startInstance(ctx: OpContext, name: string, opts: StartOptions = {}): Promise<StartOutcome> {
  const dir = ctx.instanceDir(name);
  if (!existsSync(join(dir, INSTANCE_FILES.limaYaml))) {
    throw new LimaError({
      code: 'NotFound',
      command: `start ${name}`,
      shortMessage: `instance \`${name}\` does not exist (no ${join(dir, INSTANCE_FILES.limaYaml)}); not running \`limactl start\`, which would create it from the default template`,
    });
  }
  const timeoutMs = opts.timeoutMs ?? ctx.timeouts.startMs;
  const r = await ctx.run({
    args: ['start', `--timeout=${goDuration(timeoutMs)}`, name],
    instance: name,
    timeoutMs: timeoutMs + ctx.timeouts.startMarginMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (succeeded(r)) {
    return r.stderr.lines.some((l) => isAlreadyRunningMessage(l.msg)) ? { kind: 'alreadyRunning' } : { kind: 'ready' };
  }
  const failure = r.stderr.failure;
  // Degraded: limactl exits 1 but the VM keeps running; this is an outcome, not an error.
  if (!r.canceled && !r.timedOut && r.exitCode === 1 && failure !== undefined && /^degraded, status=/.test(failure)) {
    return { kind: 'degraded', errors: degradedErrors(dir, r), message: failure };
  }
  throw toLimaError(r);
}
