// `limactl hostagent --pidfile P --socket S NAME` (hidden; docs/lima.md#mapping-to-lima, docs/lima.md#hostagent-events).
// Writes its pid file, ssh.config and cidata.iso, serves ha.sock, runs the driver child, and
// emits the event stream on stdout (ha.stdout.log) with JSON logs on stderr (ha.stderr.log).
// The first SIGINT/SIGTERM shuts it down cleanly; a second one is swallowed.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../package-root.js';
import { flagString } from '../cli.js';
import type { Ctx } from '../context.js';
import { LIMA_TIMEOUTS, knobMs, scaled, type SimFaults } from '../faults.js';
import { FILES, driverPidFile, instDir } from '../files.js';
import { writeEvent, writeRaw } from '../events.js';
import { hostnameOf } from '../names.js';
import { CliLogger, Fatal } from '../output.js';
import { appendSimLog } from '../paths.js';
import { isAlive, pollUntil, readPidFile, rmQuiet } from '../procs.js';
import { fillDefaults, parseTemplate } from '../template.js';
import { closeApi, freePort, serveApi } from './api.js';

const STDOUT = 1;
const FAULT_POLL_MS = 50;
const DEFAULT_BOOT_DELAY_MS = 200;
const DRIVER_EXIT_NOTICE_MS = 250;

class Hostagent {
  private readonly dir: string;
  private readonly log: CliLogger;
  private readonly began = Date.now();
  private faultsNow: SimFaults;
  private server: Server | undefined;
  private driver: ChildProcess | undefined;
  private driverExited = false;
  private shuttingDown = false;
  private signalHandled = false;
  /** Set up (socket served, driver running): before that a signal is only remembered. */
  private setupDone = false;
  private stopRequested: NodeJS.Signals | undefined;
  private driverCrashSent = false;
  private bootTimers: NodeJS.Timeout[] = [];
  private faultTimer: NodeJS.Timeout | undefined;
  private vmType = 'qemu';
  private sshLocalPort = 0;

  constructor(
    private readonly ctx: Ctx,
    private readonly name: string,
    private readonly pidfile: string,
    private readonly socket: string,
  ) {
    this.dir = instDir(ctx.limaHome, name);
    this.log = new CliLogger('json', ctx.debug ? 'debug' : 'info');
    this.faultsNow = ctx.faults(name);
  }

  /** Faults re-read now; a torn or invalid file keeps the previous values. */
  private faults(): SimFaults {
    try {
      this.faultsNow = this.ctx.faults(this.name);
    } catch {
      // Keep the last good knobs.
    }
    return this.faultsNow;
  }

  private record(event: 'started' | 'signal' | 'exit', extra: { signal?: string; exitCode?: number } = {}): void {
    appendSimLog(this.ctx.limaHome, { kind: 'hostagent', event, instance: this.name, pid: process.pid, ...extra, time: Date.now() });
  }

  async run(): Promise<number> {
    const existing = readPidFile(this.pidfile);
    if (existing.kind === 'alive') throw new Fatal(`another hostagent may already be running with pid ${existing.pid}`);
    const outcome = this.faults().startOutcome ?? 'ready';
    if (outcome === 'noPidfile') return this.lingerWithoutPidfile();
    // Handlers first: a signal that arrives while setting up is acted on once setup is done.
    process.on('SIGINT', () => this.onSignal('SIGINT'));
    process.on('SIGTERM', () => this.onSignal('SIGTERM'));
    writeFileSync(this.pidfile, `${process.pid}\n`);
    this.record('started');
    if (outcome === 'hostagentExit') {
      // Like a crash via os.Exit: no events, and the pid file stays behind (stale).
      this.log.fatal('failed to run the host agent: injected by the simulator (startOutcome=hostagentExit)');
      this.record('exit', { exitCode: 1 });
      return 1;
    }

    const doc = this.readTemplate();
    const filled = fillDefaults(doc);
    this.vmType = filled.vmType;
    const port = this.faultsNow.sshPort ?? (typeof filled.ssh.localPort === 'number' && filled.ssh.localPort > 0 ? filled.ssh.localPort : 0);
    this.sshLocalPort = port > 0 ? port : await freePort();
    this.writeSshConfig();
    writeFileSync(join(this.dir, FILES.cidata), 'CD001 simulated cidata\n');

    this.server = await serveApi({ socket: this.socket, sshLocalPort: this.sshLocalPort, dead: () => this.faults().haSockDead === true });
    this.log.info(`hostagent socket created at ${this.socket}`);
    this.startDriver();
    writeEvent(STDOUT, { sshLocalPort: this.sshLocalPort });
    if (this.faultsNow.corruptEvents === true) writeRaw(STDOUT, 'rdd-limactl-sim: this line is not JSON (corruptEvents)\n');
    // The guest boots only once its VM process runs: `running` always implies a live driver.
    const pidPath = join(this.dir, driverPidFile(this.vmType));
    await pollUntil(() => this.driverExited || readPidFile(pidPath).kind === 'alive', scaled(LIMA_TIMEOUTS.shutdownWait, this.ctx.env), 10);
    this.setupDone = true;
    if (this.stopRequested !== undefined) void this.shutdown(0);
    else if (!this.shuttingDown) {
      this.boot();
      this.faultTimer = setInterval(() => this.checkCrashFaults(), FAULT_POLL_MS);
    }
    return new Promise<number>(() => {
      // Ends through shutdown() → process.exit.
    });
  }

  private readTemplate(): Record<string, unknown> {
    try {
      const parsed = parseTemplate(readFileSync(join(this.dir, FILES.limaYaml), 'utf8'));
      return 'doc' in parsed ? parsed.doc : {};
    } catch {
      return {};
    }
  }

  private writeSshConfig(): void {
    const text =
      `# This SSH config file can be passed to 'ssh -F'.\n# This file is generated by rdd-limactl-sim.\n` +
      `Host ${hostnameOf(this.name)}\n  IdentityFile "${join(this.ctx.limaHome, '_config', 'user')}"\n` +
      `  User ${process.env.USER ?? 'user'}\n  Hostname 127.0.0.1\n  Port ${this.sshLocalPort}\n`;
    writeFileSync(join(this.dir, FILES.sshConfig), text);
  }

  private startDriver(): void {
    const label = this.vmType === 'qemu' ? 'QEMU' : this.vmType.toUpperCase();
    this.log.info(`Starting ${label} (hint: to watch the boot progress, see ${JSON.stringify(join(this.dir, 'serial*.log'))})`);
    // From the package root, so the bundled simulator finds it too (its import.meta.url is the bundle's).
    const script = join(packageRoot(), 'dist', 'src', 'sim', 'hostagent', 'driver-child.js');
    const child = spawn(process.execPath, [script, this.dir, driverPidFile(this.vmType), this.name], {
      stdio: 'ignore',
      env: this.ctx.env,
    });
    this.driver = child;
    child.on('exit', (code, signal) => {
      this.driverExited = true;
      if (this.shuttingDown) return;
      const why = signal !== null ? `signal: ${signal}` : `exit status ${code ?? 0}`;
      // Noticing a dead VM takes Lima's hostagent a moment; `stop -f` SIGKILLs it within that
      // moment, so a forced stop never produces an `exiting` event.
      setTimeout(() => {
        if (this.shuttingDown) return;
        this.log.error('Driver stopped due to error', { error: why });
        void this.shutdown(1, `driver stopped: ${why}`);
      }, DRIVER_EXIT_NOTICE_MS);
    });
  }

  /** Requirement logs spread over bootDelayMs, then the outcome knob decides the final event. */
  private boot(): void {
    const delayMs = knobMs(this.faultsNow.bootDelayMs, DEFAULT_BOOT_DELAY_MS);
    const at = (frac: number, fn: () => void) => this.bootTimers.push(setTimeout(fn, Math.round(delayMs * frac)));
    at(0, () => this.log.info('Waiting for the essential requirement 1 of 2: "ssh"'));
    at(1 / 3, () => {
      this.log.info('The essential requirement 1 of 2 is satisfied');
      this.log.info('Waiting for the essential requirement 2 of 2: "user session is ready for ssh"');
    });
    at(2 / 3, () => {
      this.log.info('The essential requirement 2 of 2 is satisfied');
      this.log.info('Waiting for the guest agent to be running');
      this.log.info('Waiting for the final requirement 1 of 1: "boot scripts must have finished"');
    });
    at(1, () => this.finishBoot());
  }

  private finishBoot(): void {
    if (this.shuttingDown) return;
    const outcome = this.faults().startOutcome ?? 'ready';
    const port = this.sshLocalPort;
    switch (outcome) {
      case 'degraded': {
        const err = 'failed to satisfy the optional requirement 1 of 1: "containerd binaries to be installed": injected by the simulator (startOutcome=degraded)';
        this.log.warn(err);
        writeEvent(STDOUT, { running: true, degraded: true, errors: [err], sshLocalPort: port });
        return;
      }
      case 'exiting':
        void this.shutdown(1, 'failed to satisfy the essential requirement "ssh": injected by the simulator (startOutcome=exiting)');
        return;
      case 'never':
        this.log.info('Still waiting for the final requirement (startOutcome=never)');
        return;
      default:
        this.log.info('The final requirement 1 of 1 is satisfied');
        writeEvent(STDOUT, { running: true, sshLocalPort: port });
    }
  }

  private checkCrashFaults(): void {
    if (this.shuttingDown) return;
    const f = this.faults();
    const elapsed = Date.now() - this.began;
    if (f.crashHostagentAfterMs !== undefined && elapsed >= f.crashHostagentAfterMs) {
      this.record('exit', { signal: 'SIGKILL' });
      process.kill(process.pid, 'SIGKILL');
    }
    if (f.crashDriverAfterMs !== undefined && elapsed >= f.crashDriverAfterMs && !this.driverCrashSent && this.driver?.pid !== undefined) {
      this.driverCrashSent = true;
      this.driver.kill('SIGUSR2');
    }
  }

  private onSignal(signal: NodeJS.Signals): void {
    this.record('signal', { signal });
    if (this.signalHandled) return; // Lima's channel holds one signal: later ones are swallowed.
    if (this.faults().stopHang === true) {
      this.log.debug(`Received ${signal}, ignoring it (stopHang)`);
      return;
    }
    this.signalHandled = true;
    this.log.info(`Received ${signal}, shutting down the host agent`);
    if (this.setupDone) void this.shutdown(0);
    else this.stopRequested = signal;
  }

  /** Stops the driver, emits `exiting`, closes the socket, removes the pid file, exits. */
  private async shutdown(code: number, fatal?: string): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const t of this.bootTimers) clearTimeout(t);
    if (this.faultTimer) clearInterval(this.faultTimer);
    this.log.info('Shutting down the host agent');
    await this.stopDriver();
    writeEvent(STDOUT, { exiting: true });
    if (this.server) await closeApi(this.server, this.socket);
    rmQuiet(this.pidfile);
    if (fatal !== undefined) this.log.fatal(fatal);
    this.record('exit', { exitCode: code });
    process.exit(code);
  }

  private async stopDriver(): Promise<void> {
    const child = this.driver;
    const pidPath = join(this.dir, driverPidFile(this.vmType));
    if (child?.pid !== undefined && !this.driverExited) {
      if (this.vmType === 'qemu') this.log.info('Sending QMP system_powerdown command');
      child.kill('SIGTERM');
      const wait = scaled(LIMA_TIMEOUTS.shutdownWait, this.ctx.env);
      const exited = await pollUntil(() => this.driverExited || !isAlive(child.pid ?? 0), wait, 20);
      if (!exited) {
        this.log.warn(`Driver did not shut down in ${wait}ms, sending SIGKILL`);
        child.kill('SIGKILL');
        await pollUntil(() => this.driverExited || !isAlive(child.pid ?? 0), 2000, 20);
      }
    }
    rmQuiet(pidPath);
  }

  /** noPidfile: never writes ha.pid; exits on a signal, or by itself once start has given up. */
  private lingerWithoutPidfile(): Promise<number> {
    this.log.info('Not writing the pid file (startOutcome=noPidfile)');
    const linger = Math.max(2 * scaled(LIMA_TIMEOUTS.pidFileWait, this.ctx.env), 1000);
    return new Promise<number>((resolve) => {
      const done = (code: number) => {
        this.record('exit', { exitCode: code });
        resolve(code);
      };
      const t = setTimeout(() => done(1), linger);
      for (const s of ['SIGINT', 'SIGTERM'] as const) {
        process.once(s, () => {
          clearTimeout(t);
          this.record('signal', { signal: s });
          done(0);
        });
      }
    });
  }
}

export async function hostagentCmd(ctx: Ctx): Promise<number> {
  const pidfile = flagString(ctx.flags, 'pidfile');
  const socket = flagString(ctx.flags, 'socket');
  const name = ctx.positionals[0];
  if (ctx.positionals.length !== 1 || name === undefined) throw new Fatal(`accepts 1 arg(s), received ${ctx.positionals.length}`);
  if (socket === undefined || socket === '') throw new Fatal('socket must be specified (--socket)');
  const dir = instDir(ctx.limaHome, name);
  return new Hostagent(ctx, name, pidfile ?? join(dir, FILES.haPid), socket).run();
}
