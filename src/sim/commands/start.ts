// `limactl start [--timeout D] NAME` (docs/lima.md#mapping-to-lima): creates from template:default when
// the instance is missing (and fails the offline download), launches the hostagent detached in
// its own process group, waits for ha.pid, then tails the event stream until an outcome.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagString } from '../cli.js';
import type { Ctx } from '../context.js';
import { applyDiskFaults } from '../disk-faults.js';
import { EventParseError, EventTail, StderrEcho, goStatus, type HaEvent } from '../events.js';
import { LIMA_TIMEOUTS, scaled } from '../faults.js';
import { FILES, instDir } from '../files.js';
import { inspect, isMissing } from '../inspect.js';
import { prepareDisk, writeInstance } from '../instance-create.js';
import { instNameError } from '../names.js';
import { Fatal, goDuration, parseGoDuration, q } from '../output.js';
import { rmQuiet, sleep } from '../procs.js';
import { DEFAULT_TEMPLATE } from '../template.js';

const POLL_MS = 20;

function timeoutMs(ctx: Ctx): number {
  const raw = flagString(ctx.flags, 'timeout');
  if (raw === undefined) return scaled(LIMA_TIMEOUTS.startDefault, ctx.env);
  const ms = parseGoDuration(raw);
  if (Number.isNaN(ms) || ms < 0) throw new Fatal(`invalid argument ${JSON.stringify(raw)} for "--timeout" flag: time: invalid duration ${JSON.stringify(raw)}`);
  // `0` means "use the default", not "no timeout"; an explicit value is the caller's and is not scaled.
  return ms === 0 ? scaled(LIMA_TIMEOUTS.startDefault, ctx.env) : ms;
}

/** The deprecated form: a missing instance is created from template:default, whose download fails offline. */
async function createFromDefault(ctx: Ctx, name: string): Promise<never> {
  if (name !== 'default') {
    ctx.log.info(`Creating an instance ${q(name)} from template:default (Not from template:${name})`);
    ctx.log.warn(`This form is deprecated. Use \`limactl create --name=${name} template:default\` instead`);
  }
  ctx.log.info('Terminal is not available, proceeding without opening an editor');
  const doc = writeInstance(ctx, name, DEFAULT_TEMPLATE);
  await prepareDisk(ctx, name, doc, { offline: true });
  throw new Fatal('unreachable: the built-in default template cannot be downloaded');
}

function launchHostagent(ctx: Ctx, name: string, dir: string): { exit: () => string | undefined } {
  const out = join(dir, FILES.haStdout);
  const err = join(dir, FILES.haStderr);
  rmQuiet(out);
  rmQuiet(err);
  const outFd = openSync(out, 'w', 0o644);
  const errFd = openSync(err, 'w', 0o644);
  const args = [ctx.self, ...(ctx.debug ? ['--debug'] : []), 'hostagent', '--pidfile', join(dir, FILES.haPid), '--socket', join(dir, FILES.haSock), name];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', outFd, errFd], env: ctx.env });
  closeSync(outFd);
  closeSync(errFd);
  child.unref();
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = signal !== null ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code ?? 0}`;
  });
  child.on('error', (e) => {
    exited = e.message;
  });
  return { exit: () => exited };
}

export async function startCmd(ctx: Ctx): Promise<number> {
  if (ctx.positionals.length > 1) throw new Fatal(`accepts at most 1 arg(s), received ${ctx.positionals.length}`);
  if (ctx.flags.get('foreground') === true) throw new Fatal('--foreground is not supported by the simulator');
  const name = ctx.positionals[0] ?? flagString(ctx.flags, 'name') ?? 'default';
  const nameErr = instNameError(name);
  if (nameErr !== undefined) throw new Fatal(`${nameErr} (the simulator's start takes an instance name only)`);
  const wait = timeoutMs(ctx);
  const faults = ctx.faults(name);
  applyDiskFaults(ctx.limaHome, name, faults);
  const inst = await inspect(ctx.limaHome, name);
  if (isMissing(inst)) return createFromDefault(ctx, name);
  if (inst.doc === undefined) throw new Fatal(`instance ${q(name)} has configuration errors: ${inst.errors.join('\n')}`);
  ctx.log.info(`Using the existing instance ${q(name)}`);
  if (inst.status === 'Running') {
    const shell = name === 'default' ? 'lima' : `limactl shell ${name}`;
    ctx.log.info(`The instance ${q(name)} is already running. Run \`${shell}\` to open the shell.`);
    return 0;
  }
  if (inst.status !== 'Stopped') ctx.log.warn(`expected status ${q('Stopped')}, got ${q(inst.status)}`);
  const dir = instDir(ctx.limaHome, name);
  const haPid = join(dir, FILES.haPid);
  if (existsSync(haPid)) {
    throw new Fatal(`instance ${q(name)} seems running (hint: remove ${q(haPid)} if the instance is not actually running)`);
  }
  ctx.log.info(`Starting the instance ${q(name)} with internal VM driver ${q(inst.vmType)}`);
  const offline = readFileSync(join(dir, FILES.limaYaml), 'utf8').startsWith(DEFAULT_TEMPLATE.split('\n')[0] ?? '');
  await prepareDisk(ctx, name, inst.doc, { offline });

  const begin = Date.now();
  const agent = launchHostagent(ctx, name, dir);
  const haStderr = join(dir, FILES.haStderr);
  const echo = new StderrEcho(haStderr, ctx.log);
  const pidWait = scaled(LIMA_TIMEOUTS.pidFileWait, ctx.env);
  const pidDeadline = Date.now() + pidWait;
  while (!existsSync(haPid) && agent.exit() === undefined) {
    if (Date.now() >= pidDeadline) {
      echo.pump();
      throw new Fatal(`hostagent (${q(haPid)}) did not start up in ${goDuration(pidWait)} (hint: see ${q(haStderr)})`);
    }
    await sleep(POLL_MS);
  }
  const message = typeof inst.doc.message === 'string' ? inst.doc.message : '';
  return watchEvents(ctx, { name, dir, begin, wait, message }, echo, agent.exit);
}

interface WatchTarget {
  readonly name: string;
  readonly dir: string;
  /** Events timed before this (epoch ms) belong to an earlier run. */
  readonly begin: number;
  readonly wait: number;
  /** The template's `message:`, shown after READY. */
  readonly message: string;
}

async function watchEvents(ctx: Ctx, w: WatchTarget, echo: StderrEcho, exited: () => string | undefined): Promise<number> {
  const { name, dir, begin, wait } = w;
  const haStderr = join(dir, FILES.haStderr);
  const tail = new EventTail(join(dir, FILES.haStdout), begin);
  const deadline = begin + wait;
  let portLogged = false;
  for (;;) {
    const gone = exited();
    echo.pump();
    let events: HaEvent[];
    try {
      events = tail.read();
    } catch (e) {
      if (e instanceof EventParseError) throw new Fatal(e.message);
      throw e;
    }
    for (const ev of events) {
      const s = ev.status;
      if (!portLogged && (s.sshLocalPort ?? 0) !== 0) {
        portLogged = true;
        ctx.log.info(`SSH Local Port: ${s.sshLocalPort ?? 0}`);
      }
      if (s.errors && s.errors.length > 0) ctx.log.error(`${s.errors.join('; ')}`, { errors: s.errors });
      if (s.exiting === true) {
        echo.pump();
        throw new Fatal(`exiting, status=${goStatus(s)} (hint: see ${q(haStderr)})`);
      }
      if (s.running === true && s.degraded === true) {
        ctx.log.warn(`DEGRADED. The VM seems running, but file sharing and port forwarding may not work. (hint: see ${q(haStderr)})`);
        throw new Fatal(`degraded, status=${goStatus(s)}`);
      }
      if (s.running === true) {
        const shell = name === 'default' ? 'lima' : `limactl shell ${name}`;
        ctx.log.info(`READY. Run \`${shell}\` to open the shell.`);
        // Shown as is: the simulator does not render Go templates.
        for (const line of w.message.split('\n')) if (line.trim() !== '') ctx.log.info(line);
        return 0;
      }
    }
    // Checked after draining the file, so events written before the exit are never lost.
    if (gone !== undefined) throw new Fatal(`host agent process has exited: ${gone}`);
    if (Date.now() >= deadline) throw new Fatal(`did not receive an event with the ${q('running')} status`);
    await sleep(POLL_MS);
  }
}
