// `rdd service …`: the daemon of an instance — serve, start, stop, status, paths, logs, delete, reset.
import { createReadStream, statSync } from 'node:fs';
import { type Command } from 'commander';
import { pathEntries } from '../../service/instance.js';
import { readPortClaims } from '../../actors/app/port.js';
import { VERSION } from '../../service/version.js';
import { PROTOCOL_VERSION } from '../../transport/protocol.js';
import { stopHostagents, deleteInstanceFiles, resetInstanceFiles } from '../daemon/cleanup.js';
import { startService, tryHello } from '../daemon/start.js';
import { daemonFiles } from '../daemon/state.js';
import { stopService } from '../daemon/stop.js';
import { describeLima, type Cli } from '../context.js';
import { formatDuration } from '../duration.js';
import { CliError, usageError } from '../exit.js';
import { parseFormat, toJson } from '../output/format.js';
import { renderPairs } from '../output/table.js';
import { registerKubeconfigCommand } from './kube.js';
import { timeoutOption } from './options.js';

/** How long orphaned hostagents get to exit after SIGINT during delete/reset. */
const ORPHAN_GRACE_MS = 30_000;

async function serveForeground(cli: Cli): Promise<void> {
  // Loaded only here: the daemon pulls in the store, actors and Lima driver.
  const { serve } = await import('../../service/serve.js');
  const { createLogger } = await import('../../log.js');
  const log = createLogger({ name: 'rdd-daemon', ...(cli.globals.logLevel ? { level: cli.globals.logLevel as 'info' } : {}) });
  const code = await serve({ instance: cli.instance, paths: cli.paths, log });
  if (code !== 0) throw new CliError(`the daemon exited with code ${code}`, code);
}

async function start(cli: Cli, timeoutMs: number, wait: boolean): Promise<void> {
  const r = await startService({
    instance: cli.instance,
    paths: cli.paths,
    timeoutMs,
    wait,
    ...(cli.globals.logLevel ? { logLevel: cli.globals.logLevel } : {}),
  });
  if (!r.ready) {
    cli.out(r.started ? `rdd daemon starting (pid ${r.pid}); log: ${cli.paths.daemonLog}` : `rdd daemon already running (pid ${r.pid})`);
    return;
  }
  r.ready.client.close();
  cli.out(
    `rdd daemon ${r.started ? 'started' : 'already running'} (pid ${r.pid}, instance "${cli.instance.name}"); ` +
      `Lima: ${describeLima(r.ready.hello.daemon.lima)}`,
  );
}

async function stop(cli: Cli, timeoutMs: number): Promise<boolean> {
  const r = await stopService(cli.paths, timeoutMs, (pid) => cli.err(`Stopping the rdd daemon (pid ${pid}); running VMs are stopped first…`));
  cli.out(r.wasRunning ? `rdd daemon stopped (pid ${r.pid})` : 'rdd daemon is not running');
  return r.wasRunning;
}

interface StatusInfo {
  instance: string;
  running: boolean;
  pid?: number;
  ready?: boolean;
  version?: string;
  protocol?: number;
  startedAt?: string;
  uptimeSeconds?: number;
  endpoint?: { url: string; socketPath: string };
  lima?: { kind: string; path: string; version?: string };
  /** Host ports this instance claimed (SSH of the App's VM, Kubernetes API), by purpose. */
  ports: Record<string, number>;
  cli: { version: string; protocol: number };
  log: string;
}

async function status(cli: Cli, output: string): Promise<void> {
  const format = parseFormat(output, ['table', 'json'] as const);
  const paths = cli.paths;
  const f = daemonFiles(paths);
  // Read from the claim files, so the ports show while the daemon is stopped too.
  const ports = Object.fromEntries(readPortClaims(paths.portsDir).filter((c) => c.instance === cli.instance.name).map((c) => [c.purpose, c.port]));
  const info: StatusInfo = { instance: cli.instance.name, running: false, ports, cli: { version: VERSION, protocol: PROTOCOL_VERSION }, log: paths.daemonLog };
  if (f.pid !== undefined) {
    info.running = true;
    info.pid = f.pid;
    const ready = f.endpoint?.pid === f.pid ? await tryHello(paths, f.pid) : undefined;
    info.ready = ready !== undefined;
    if (ready) {
      ready.client.close();
      const d = ready.hello.daemon;
      info.version = d.version;
      info.protocol = ready.hello.protocol;
      info.startedAt = d.startedAt;
      info.uptimeSeconds = Math.max(0, Math.round((Date.now() - Date.parse(d.startedAt)) / 1000));
      info.lima = d.lima;
    }
    if (f.endpoint) info.endpoint = { url: f.endpoint.url, socketPath: f.endpoint.socketPath };
  }
  if (format === 'json') {
    cli.out(toJson(info));
    return;
  }
  const state = !info.running ? 'stopped' : info.ready ? 'running' : 'starting (not answering yet)';
  const rows: Array<[string, string]> = [
    ['Instance', info.instance],
    ['State', state],
  ];
  if (info.pid !== undefined) rows.push(['PID', String(info.pid)]);
  if (info.version !== undefined) rows.push(['Version', `${info.version} (protocol ${info.protocol})`]);
  if (info.startedAt !== undefined) rows.push(['Started', `${info.startedAt} (uptime ${formatDuration((info.uptimeSeconds ?? 0) * 1000)})`]);
  if (info.endpoint) {
    rows.push(['Endpoint', info.endpoint.url]);
    rows.push(['Socket', info.endpoint.socketPath]);
  }
  if (info.lima) rows.push(['Lima', describeLima(info.lima as Parameters<typeof describeLima>[0])]);
  const portList = Object.entries(info.ports).map(([purpose, port]) => `${purpose} ${port}`);
  if (portList.length > 0) rows.push(['Host ports', portList.join(', ')]);
  rows.push(['Log', info.log]);
  cli.out(renderPairs(rows));
}

function paths(cli: Cli, key: string | undefined, output: string): void {
  const format = parseFormat(output, ['table', 'json', 'shell'] as const);
  let entries = pathEntries(cli.paths);
  if (key !== undefined) {
    const k = key.toLowerCase().replace(/-/g, '_');
    entries = entries.filter(([name]) => name === k);
    if (entries.length === 0) throw usageError(`unknown path key "${key}"; valid keys: ${pathEntries(cli.paths).map(([n]) => n).join(', ')}`);
  }
  switch (format) {
    case 'json':
      cli.out(toJson(key !== undefined ? entries[0]?.[1] : Object.fromEntries(entries)));
      return;
    case 'shell':
      cli.out(entries.map(([n, v]) => `export RDD_${n.toUpperCase()}=${shellQuote(v)}`).join('\n'));
      return;
    case 'table':
      cli.out(key !== undefined ? (entries[0]?.[1] ?? '') : renderPairs(entries));
  }
}

export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** Prints the daemon log; with `follow`, keeps printing what is appended until interrupted. */
async function logs(cli: Cli, follow: boolean): Promise<void> {
  const file = cli.paths.daemonLog;
  const size = (): number | undefined => {
    try {
      return statSync(file).size;
    } catch {
      return undefined;
    }
  };
  const copy = (from: number, to: number) =>
    new Promise<void>((resolve, reject) => {
      if (to <= from) return resolve();
      const rs = createReadStream(file, { start: from, end: to - 1 });
      rs.on('data', (c) => cli.io.stdout.write(c));
      rs.on('end', resolve);
      rs.on('error', reject);
    });
  let pos = 0;
  const initial = size();
  if (initial === undefined && !follow) throw new CliError(`no daemon log yet at ${file}`);
  if (initial !== undefined) {
    await copy(0, initial);
    pos = initial;
  }
  if (!follow) return;
  let stopped = false;
  const stop = () => (stopped = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped) {
    await new Promise((r) => setTimeout(r, 200));
    const now = size() ?? 0;
    if (now < pos) pos = 0; // truncated or replaced
    await copy(pos, now);
    pos = now;
  }
}

async function removeAll(cli: Cli, timeoutMs: number, what: 'delete' | 'reset'): Promise<void> {
  await stop(cli, timeoutMs);
  const orphans = await stopHostagents(cli.paths.limaHome, ORPHAN_GRACE_MS);
  if (orphans.stopped + orphans.killed > 0) {
    cli.err(`Stopped ${orphans.stopped} VM process(es) left from an earlier daemon${orphans.killed ? `, killed ${orphans.killed}` : ''}`);
  }
  if (what === 'delete') {
    deleteInstanceFiles(cli.paths, process.env.RDD_KEEP_LOGS !== undefined && process.env.RDD_KEEP_LOGS !== '');
    cli.out(`Instance "${cli.instance.name}" deleted (${cli.paths.dir}, ${cli.paths.shortDir})`);
  } else {
    resetInstanceFiles(cli.paths);
    cli.out(`Instance "${cli.instance.name}" reset: its resources and Lima instances are gone; logs and config.json were kept`);
  }
}

export function registerServiceCommands(program: Command, cliOf: (cmd: Command) => Cli): void {
  const svc = program.command('service').alias('svc').description('The rdd daemon of this instance');

  svc
    .command('serve')
    .description('Run the daemon (detached unless --foreground)')
    .option('--foreground', 'run in this process until interrupted', false)
    .action(async (o: { foreground: boolean }, cmd: Command) => {
      const cli = cliOf(cmd);
      if (o.foreground) await serveForeground(cli);
      else await start(cli, 0, false);
    });

  svc
    .command('start')
    .description('Start the daemon unless it runs; wait until it answers')
    .addOption(timeoutOption('how long to wait; exit code 4 after it', '90s'))
    .action(async (o: { timeout: number }, cmd: Command) => start(cliOf(cmd), o.timeout, true));

  svc
    .command('stop')
    .description('Stop the daemon (it stops running VMs gracefully first)')
    .addOption(timeoutOption('how long to wait before SIGTERM and exit code 4', '5m'))
    .action(async (o: { timeout: number }, cmd: Command) => {
      await stop(cliOf(cmd), o.timeout);
    });

  svc
    .command('status')
    .description('Whether the daemon runs: pid, version, uptime, endpoint, which Lima')
    .option('-o, --output <format>', 'table|json', 'table')
    .action(async (o: { output: string }, cmd: Command) => status(cliOf(cmd), o.output));

  svc
    .command('paths')
    .description('The directories and files of this instance')
    .argument('[key]', 'print only this path')
    .option('-o, --output <format>', 'table|json|shell', 'table')
    .action((key: string | undefined, o: { output: string }, cmd: Command) => paths(cliOf(cmd), key, o.output));

  svc
    .command('logs')
    .alias('log')
    .description('Print the daemon log')
    .option('-f, --follow', 'keep printing new lines', false)
    .action(async (o: { follow: boolean }, cmd: Command) => logs(cliOf(cmd), o.follow));

  svc
    .command('delete')
    .description('Stop the daemon and remove all files of this instance (RDD_KEEP_LOGS=1 keeps the logs)')
    .addOption(timeoutOption('how long to wait for the daemon to stop; exit code 4 after it', '5m'))
    .action(async (o: { timeout: number }, cmd: Command) => removeAll(cliOf(cmd), o.timeout, 'delete'));

  svc
    .command('reset')
    .description('Stop the daemon and delete its state (store, Lima instances); keep logs and config.json')
    .addOption(timeoutOption('how long to wait for the daemon to stop; exit code 4 after it', '5m'))
    .action(async (o: { timeout: number }, cmd: Command) => removeAll(cliOf(cmd), o.timeout, 'reset'));

  registerKubeconfigCommand(svc, cliOf);
}
