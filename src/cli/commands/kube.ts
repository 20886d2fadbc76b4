// `rdd service kubeconfig` and `rdd kubectl …`: the daemon's Kubernetes API for kubectl and
// client libraries (docs/kube-api.md).
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { ChildExit, CliError } from '../exit.js';

/** The kubeconfig of a running daemon (started on demand). */
async function kubeconfigFile(cli: Cli): Promise<string> {
  const s = await cli.session();
  s.client.close();
  const file = cli.paths.kubeconfig;
  try {
    readFileSync(file);
  } catch (e) {
    throw new CliError(`the daemon wrote no kubeconfig at ${file} (${(e as Error).message}); restart it with "rdd service stop" and try again`);
  }
  return file;
}

/** `kubectl` from PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // Not here; keep looking.
    }
  }
  return undefined;
}

async function kubectl(cli: Cli, args: string[]): Promise<void> {
  const bin = findOnPath('kubectl');
  if (!bin) {
    throw new CliError(
      'kubectl is not installed (not found on PATH); install it (e.g. "apt-get install kubernetes-client" or https://kubernetes.io/docs/tasks/tools/), ' +
        'or point any Kubernetes client at the file "rdd service paths kubeconfig" prints',
    );
  }
  const file = await kubeconfigFile(cli);
  // kubectl caches discovery per server address, and the port changes with every daemon start:
  // keep that cache with the instance rather than in ~/.kube/cache, unless the user chose one.
  const env = { ...process.env, KUBECONFIG: file, KUBECACHEDIR: process.env.KUBECACHEDIR ?? join(cli.paths.dir, 'kube-cache') };
  const status = await new Promise<number>((resolve, reject) => {
    const child = spawn(bin, args, { stdio: 'inherit', env });
    // A signal to rdd (a stopped `get -w`, a test's kill) reaches kubectl too, so it never outlives rdd.
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.on('error', (e) => reject(new CliError(`cannot run ${bin}: ${e.message}`)));
    child.on('exit', (code, sig) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0));
    });
  });
  if (status !== 0) throw new ChildExit(status);
}

export function registerKubeconfigCommand(svc: Command, cliOf: (cmd: Command) => Cli): void {
  svc
    .command('kubeconfig')
    .description("Print a kubeconfig for the daemon's Kubernetes API (CA, token, a context named rdd-<instance>)")
    .action(async (_o: unknown, cmd: Command) => {
      const cli = cliOf(cmd);
      cli.out(readFileSync(await kubeconfigFile(cli), 'utf8'));
    });
}

export function registerKubectlCommand(program: Command, cliOf: (cmd: Command) => Cli): void {
  program
    .command('kubectl')
    .description("Run kubectl (from PATH) against the daemon's Kubernetes API")
    .argument('[args...]', 'kubectl arguments')
    .helpOption(false)
    .allowUnknownOption()
    .passThroughOptions()
    .action(async (args: string[], _o: unknown, cmd: Command) => kubectl(cliOf(cmd), args));
}
