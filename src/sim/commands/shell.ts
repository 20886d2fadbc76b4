// `limactl shell [--workdir DIR] NAME [CMD...]` (docs/lima.md#mapping-to-lima): runs CMD on this host in place of
// the guest and returns its exit code. Flags after NAME belong to CMD.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { flagString } from '../cli.js';
import type { Ctx } from '../context.js';
import { applyDiskFaults } from '../disk-faults.js';
import { inspect, isMissing } from '../inspect.js';
import { assertInstName } from '../names.js';
import { Fatal, q } from '../output.js';

export async function shellCmd(ctx: Ctx): Promise<number> {
  const [name, ...argv] = ctx.positionals;
  if (name === undefined) throw new Fatal('requires at least 1 arg(s), only received 0');
  assertInstName(name);
  applyDiskFaults(ctx.limaHome, name, ctx.faults(name));
  const inst = await inspect(ctx.limaHome, name);
  if (isMissing(inst)) throw new Fatal(`instance ${q(name)} does not exist, run \`limactl create ${name}\` to create a new instance`);
  if (inst.status === 'Stopped') throw new Fatal(`instance ${q(name)} is stopped, run \`limactl start ${name}\` to start the instance`);
  if (inst.status !== 'Running') throw new Fatal(`instance ${q(name)} is not running (status ${q(inst.status)})`);
  const workdir = flagString(ctx.flags, 'workdir');
  const cwd = workdir !== undefined && existsSync(workdir) ? workdir : process.cwd();
  const shell = flagString(ctx.flags, 'shell') ?? process.env.SHELL ?? '/bin/sh';
  const [cmd, ...args] = argv.length > 0 ? argv : [shell];
  return new Promise<number>((resolve) => {
    const child = spawn(cmd ?? shell, args, { stdio: 'inherit', cwd, env: ctx.env });
    ctx.onTerminate((sig) => child.kill(sig));
    child.on('error', (e: NodeJS.ErrnoException) => {
      process.stderr.write(`bash: line 1: ${cmd ?? ''}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      resolve(code ?? 128 + (signal !== null ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
