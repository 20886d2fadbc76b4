// `rdd limavm …`: LimaVM lifecycle from the command line. NAME lookups span every namespace
// (LimaVM names are unique across namespaces, being Lima instance names).
import { constants } from 'node:os';
import type { Command } from 'commander';
import {
  LIMAVM_KIND,
  RESET_REQUESTED_ANNOTATION,
  RESTART_REQUESTED_ANNOTATION,
  findCondition,
  rfc3339,
  type Condition,
  type Resource,
} from '../../api/index.js';
import { resolveLimactl } from '../../lima/driver/resolve.js';
import { loadDaemonConfig } from '../../service/config.js';
import type { Cli } from '../context.js';
import { ChildExit, CliError } from '../exit.js';
import { FailureTracker, gone, resetDone, restartCountAbove, vmStopped } from '../wait/predicates.js';
import { findVM, ns, parseParams, waitRunning, what } from './limavm-common.js';
import { runWait } from '../wait/run.js';
import { createVM } from './limavm-create.js';
import { collect, nonNegativeIntArg, waitOptions, type WaitFlags } from './options.js';
import { childProcess } from '../lazy.js';

const conds = (o: Resource | undefined): Condition[] | undefined => (o?.status as { conditions?: Condition[] } | undefined)?.conditions;

async function setRunning(cli: Cli, name: string, running: boolean, f: WaitFlags): Promise<void> {
  const s = await cli.session();
  const vm = await findVM(s, name);
  const res = await s.client.patch(LIMAVM_KIND, name, { spec: { running } }, { namespace: ns(vm), ...(f.dryRun ? { dryRun: true } : {}) });
  if (f.dryRun) {
    cli.out(`${what(name)} ${running ? 'start' : 'stop'} validated (dry run; nothing was changed)`);
    return;
  }
  cli.out(`${what(name)} in namespace "${ns(vm)}": ${running ? 'start' : 'stop'} requested`);
  if (!f.wait) return;
  if (running) {
    await waitRunning(cli, s, res, f);
    return;
  }
  const gen = res.metadata.generation;
  await runWait(
    cli,
    s,
    {
      kind: LIMAVM_KIND,
      name,
      namespace: ns(vm),
      initial: res,
      what: `${what(name)} to stop`,
      minGeneration: gen,
      check: vmStopped(what(name), gen, new FailureTracker(res, { armed: true, generation: gen, types: ['Running'] })),
    },
    f.timeout,
  );
  cli.out(`${what(name)} is stopped`);
}

async function restart(cli: Cli, name: string, f: WaitFlags): Promise<void> {
  const s = await cli.session();
  const vm = await findVM(s, name);
  const before = vm.status?.restartCount ?? 0;
  const patch = { metadata: { annotations: { [RESTART_REQUESTED_ANNOTATION]: rfc3339(Date.now()) } }, spec: { running: true } };
  const res = await s.client.patch(LIMAVM_KIND, name, patch, { namespace: ns(vm), ...(f.dryRun ? { dryRun: true } : {}) });
  if (f.dryRun) {
    cli.out(`${what(name)} restart validated (dry run; nothing was changed)`);
    return;
  }
  cli.out(`${what(name)} in namespace "${ns(vm)}": restart requested`);
  if (!f.wait) return;
  const last = await runWait(
    cli,
    s,
    {
      kind: LIMAVM_KIND,
      name,
      namespace: ns(vm),
      initial: res,
      what: `${what(name)} to restart`,
      check: restartCountAbove(what(name), before, new FailureTracker(vm, { armed: false, types: ['Created', 'Running'] })),
    },
    f.timeout,
  );
  cli.out(`${what(name)} restarted (restart count ${(last?.status as { restartCount?: number } | undefined)?.restartCount ?? '?'})`);
}

async function reset(cli: Cli, name: string, f: WaitFlags): Promise<void> {
  const s = await cli.session();
  const vm = await findVM(s, name);
  const patch = { metadata: { annotations: { [RESET_REQUESTED_ANNOTATION]: rfc3339(Date.now()) } } };
  const res = await s.client.patch(LIMAVM_KIND, name, patch, { namespace: ns(vm), ...(f.dryRun ? { dryRun: true } : {}) });
  if (f.dryRun) {
    cli.out(`${what(name)} reset validated (dry run; nothing was changed)`);
    return;
  }
  cli.out(`${what(name)} in namespace "${ns(vm)}": reset requested`);
  if (!f.wait) return;
  await runWait(
    cli,
    s,
    {
      kind: LIMAVM_KIND,
      name,
      namespace: ns(vm),
      initial: res,
      what: `${what(name)} to be recreated`,
      check: resetDone(what(name), new FailureTracker(vm, { armed: false, types: ['Created', 'Running'] })),
    },
    f.timeout,
  );
  cli.out(`${what(name)} was reset`);
}

async function deleteVM(cli: Cli, name: string, f: WaitFlags & { gracePeriod?: number }): Promise<void> {
  const s = await cli.session();
  const vm = await findVM(s, name);
  const res = await s.client.delete(LIMAVM_KIND, name, {
    namespace: ns(vm),
    ...(f.dryRun ? { dryRun: true } : {}),
    ...(f.gracePeriod !== undefined ? { gracePeriodSeconds: f.gracePeriod } : {}),
  });
  if (f.dryRun) {
    cli.out(`${what(name)} deletion validated (dry run; nothing was deleted)`);
    return;
  }
  if (!res.removed && f.wait) {
    await runWait(
      cli,
      s,
      { kind: LIMAVM_KIND, name, namespace: ns(vm), initial: res.object, what: `${what(name)} to be deleted`, check: gone(vm.metadata.uid) },
      f.timeout,
    );
  }
  cli.out(res.removed || f.wait ? `${what(name)} deleted from namespace "${ns(vm)}"` : `${what(name)} deletion requested`);
}

async function params(cli: Cli, name: string, pairs: string[], f: { dryRun?: boolean }): Promise<void> {
  const patch = parseParams(pairs, true);
  const s = await cli.session();
  const vm = await findVM(s, name);
  const res = await s.client.patch(LIMAVM_KIND, name, { spec: { params: patch } }, { namespace: ns(vm), ...(f.dryRun ? { dryRun: true } : {}) });
  const now = Object.entries(res.spec.params ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  cli.out(`${what(name)} params ${f.dryRun ? 'validated (dry run; nothing was changed)' : 'updated'}: ${now || '(none)'}`);
}

async function logs(cli: Cli, name: string, o: { follow: boolean; stdout: boolean }): Promise<void> {
  const s = await cli.session();
  for await (const line of s.client.logs(name, { stream: o.stdout ? 'stdout' : 'stderr', follow: o.follow })) cli.out(line);
}

async function shell(cli: Cli, name: string, argv: string[]): Promise<void> {
  const s = await cli.session();
  const vm = await findVM(s, name);
  const running = findCondition(conds(vm), 'Running');
  if (running?.status !== 'True') {
    const status = running ? running.reason : 'Unknown';
    throw new CliError(`instance "${name}" is not running (status: ${status}), use 'rdd limavm start ${name}' first`);
  }
  // The same limactl the daemon drives, with the same LIMA_HOME and extra environment.
  const bin = resolveLimactl({ configured: s.hello.daemon.lima.path });
  const config = loadDaemonConfig(cli.paths.configFile);
  const env = { ...process.env, ...config.limactlEnv, LIMA_HOME: cli.paths.limaHome };
  s.client.close();
  const status = await new Promise<number>((resolve, reject) => {
    const child = childProcess().spawn(bin.command, [...bin.argsPrefix, 'shell', name, ...argv], { stdio: 'inherit', env });
    child.on('error', (e) => reject(new CliError(`cannot run ${bin.path}: ${e.message}`)));
    child.on('exit', (code, sig) => resolve(code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0)));
  });
  if (status !== 0) throw new ChildExit(status);
}

export function registerLimaVMCommands(program: Command, cliOf: (cmd: Command) => Cli): void {
  const vm = program.command('limavm').alias('lima').description('Manage LimaVM resources (one Lima instance each)').enablePositionalOptions();

  waitOptions(
    vm
      .command('create')
      .description('Create a LimaVM from a template ConfigMap name or a template file')
      .argument('<name>', 'LimaVM (and Lima instance) name, unique across namespaces')
      .argument('<template>', 'a ConfigMap name (DNS-1123 and no such file), else a file path')
      .option('-n, --namespace <ns>', 'namespace of the LimaVM', 'default')
      .option('--param <key=value>', 'template parameter (repeatable)', collect, [])
      .option('--start', 'start the VM once created', false),
  ).action(async (name: string, template: string, o: WaitFlags & { namespace: string; param: string[]; start: boolean }, cmd: Command) =>
    createVM(cliOf(cmd), name, template, o),
  );

  waitOptions(vm.command('start').description('Start a LimaVM; wait until Running=True').argument('<name>')).action(
    async (name: string, f: WaitFlags, cmd: Command) => setRunning(cliOf(cmd), name, true, f),
  );
  waitOptions(vm.command('stop').description('Stop a LimaVM; wait until Running=False (Stopped)').argument('<name>')).action(
    async (name: string, f: WaitFlags, cmd: Command) => setRunning(cliOf(cmd), name, false, f),
  );
  waitOptions(vm.command('restart').description('Restart a LimaVM (starts a stopped one); wait for the restart count to grow').argument('<name>')).action(
    async (name: string, f: WaitFlags, cmd: Command) => restart(cliOf(cmd), name, f),
  );
  waitOptions(
    vm.command('reset').description('Recreate the Lima instance from the template (the disk is lost); wait until it is back').argument('<name>'),
  ).action(async (name: string, f: WaitFlags, cmd: Command) => reset(cliOf(cmd), name, f));
  waitOptions(
    vm
      .command('delete')
      .description('Delete a LimaVM and its instance; wait until it is gone')
      .argument('<name>')
      .option('--grace-period <seconds>', 'how long the guest gets to shut down before it is forced', nonNegativeIntArg),
  ).action(async (name: string, f: WaitFlags & { gracePeriod?: number }, cmd: Command) => deleteVM(cliOf(cmd), name, f));

  vm.command('params')
    .description('Set template parameters (KEY=VALUE; KEY= removes KEY); a running VM restarts')
    .argument('<name>')
    .argument('<pairs...>', 'KEY=VALUE pairs')
    .option('--dry-run', 'validate on the server without storing anything', false)
    .action(async (name: string, pairs: string[], f: { dryRun?: boolean }, cmd: Command) => params(cliOf(cmd), name, pairs, f));

  vm.command('logs')
    .alias('log')
    .description("Print the instance's hostagent log (stderr by default)")
    .argument('<name>')
    .option('-f, --follow', 'keep printing new lines', false)
    .option('-o, --stdout', 'the hostagent stdout log (its event stream) instead of stderr', false)
    .action(async (name: string, o: { follow: boolean; stdout: boolean }, cmd: Command) => logs(cliOf(cmd), name, o));

  vm.command('shell')
    .description('Run a shell or CMD in a running VM through limactl shell')
    .argument('<name>')
    .argument('[cmd...]', 'command and arguments (everything after NAME)')
    .passThroughOptions()
    .action(async (name: string, argv: string[], _o: unknown, cmd: Command) => shell(cliOf(cmd), name, argv));
}

