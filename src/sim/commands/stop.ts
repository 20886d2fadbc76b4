// `limactl stop [-f] [NAME...]` (docs/lima.md#mapping-to-lima). Graceful: SIGINT to the hostagent, wait for
// the `exiting` event (3m10s, scaled), then for status Stopped (3m, scaled). Forced: SIGKILL the
// driver and the hostagent, remove *.pid *.sock *.tmp; never fails.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../context.js';
import { applyDiskFaults } from '../disk-faults.js';
import { EventParseError, EventTail, StderrEcho } from '../events.js';
import { LIMA_TIMEOUTS, scaled, timeScale } from '../faults.js';
import { FILES, driverPidFile, instDir } from '../files.js';
import { inspect, isMissing } from '../inspect.js';
import { assertInstName } from '../names.js';
import { Fatal, goDuration, q } from '../output.js';
import { appendSimLog } from '../paths.js';
import { isAlive, killQuiet, livePid, pollUntil, rmQuiet, sleep } from '../procs.js';
import { VM_TYPES } from '../template.js';

const POLL_MS = 20;

/** StopForcibly: SIGKILL the driver, then the hostagent, then remove *.pid, *.sock and *.tmp. */
export async function stopForcibly(ctx: Ctx, name: string): Promise<void> {
  const dir = instDir(ctx.limaHome, name);
  // Both pids are read before anything is killed, as Lima takes them from one inspection: the
  // hostagent reacts to its driver's death by shutting down and removing ha.pid.
  const drivers = VM_TYPES.map((vm) => ({ vm, pid: livePid(join(dir, driverPidFile(vm))) })).filter((d) => d.pid !== 0);
  const ha = livePid(join(dir, FILES.haPid));
  const killed: number[] = [];
  const targets = [...drivers.map((d) => ({ ...d, target: 'driver' as const })), ...(ha !== 0 ? [{ vm: '', pid: ha, target: 'hostagent' as const }] : [])];
  // Kill back to back, log afterwards: the hostagent must not get to react to its driver's death.
  for (const x of targets) if (killQuiet(x.pid, 'SIGKILL')) killed.push(x.pid);
  for (const x of targets) {
    ctx.log.info(x.target === 'driver' ? `Sending SIGKILL to the ${x.vm} driver process ${x.pid}` : `Sending SIGKILL to the host agent process ${x.pid}`);
    appendSimLog(ctx.limaHome, { kind: 'kill', signal: 'SIGKILL', target: x.target, pid: x.pid, instance: name, time: Date.now() });
  }
  // SIGKILL is asynchronous; wait (briefly) so the next inspection sees the processes gone.
  await pollUntil(() => killed.every((p) => !isAlive(p)), 2000, 10);
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const f of entries) {
    if (!/\.(pid|sock|tmp)$/.test(f)) continue;
    const p = join(dir, f);
    try {
      if (statSync(p).isDirectory()) continue;
    } catch {
      continue;
    }
    ctx.log.info(`Removing ${p}`);
    rmQuiet(p);
  }
}

async function stopGracefully(ctx: Ctx, name: string, haPid: number): Promise<void> {
  const dir = instDir(ctx.limaHome, name);
  const begin = Date.now();
  const haStderr = join(dir, FILES.haStderr);
  let stderrSize = 0;
  try {
    stderrSize = statSync(haStderr).size;
  } catch {
    // No log yet.
  }
  const echo = new StderrEcho(haStderr, ctx.log, stderrSize);
  ctx.log.info(`Sending SIGINT to hostagent process ${haPid}`);
  if (!killQuiet(haPid, 'SIGINT')) throw new Fatal(`failed to send SIGINT to the host agent process ${haPid}`);
  ctx.log.info('Waiting for the host agent and the driver processes to shut down');
  const tail = new EventTail(join(dir, FILES.haStdout), begin);
  const exitingWait = scaled(LIMA_TIMEOUTS.exitingEventWait, ctx.env);
  let exiting = false;
  const deadline = begin + exitingWait;
  while (!exiting) {
    echo.pump();
    try {
      exiting = tail.read().some((ev) => ev.status.exiting === true);
    } catch (e) {
      if (e instanceof EventParseError) throw new Fatal(e.message);
      throw e;
    }
    if (exiting) break;
    if (Date.now() >= deadline) throw new Fatal(`did not receive an event with the ${q('exiting')} status`);
    await sleep(POLL_MS);
  }
  ctx.log.info('Waiting for the instance to shut down');
  const shutdownWait = scaled(LIMA_TIMEOUTS.shutdownWait, ctx.env);
  const pollMs = Math.max(10, Math.round(LIMA_TIMEOUTS.stopPoll * timeScale(ctx.env)));
  const stopped = await pollUntil(
    async () => {
      echo.pump();
      const inst = await inspect(ctx.limaHome, name);
      return !isMissing(inst) && inst.status === 'Stopped';
    },
    shutdownWait,
    pollMs,
  );
  if (!stopped) throw new Fatal(`timed out waiting for instance to shut down after ${goDuration(shutdownWait)}`);
  ctx.log.info(`The instance ${name} has shut down`);
}

export async function stopCmd(ctx: Ctx): Promise<number> {
  const names = ctx.positionals.length > 0 ? ctx.positionals : ['default'];
  const force = ctx.flags.get('force') === true;
  names.forEach(assertInstName);
  for (const name of names) {
    applyDiskFaults(ctx.limaHome, name, ctx.faults(name));
    const inst = await inspect(ctx.limaHome, name);
    if (isMissing(inst)) throw new Fatal(inst.error);
    if (force) {
      await stopForcibly(ctx, name);
      continue;
    }
    if (inst.status !== 'Running') {
      throw new Fatal(`expected status ${q('Running')}, got ${q(inst.status)} (maybe use \`limactl stop -f\`?)`);
    }
    await stopGracefully(ctx, name, inst.hostAgentPID);
  }
  return 0;
}
