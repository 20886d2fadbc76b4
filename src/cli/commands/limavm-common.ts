// Helpers the LimaVM commands share: NAME lookup across namespaces, params, the Running wait.
import { LIMAVM_KIND, type LimaVM, type Resource } from '../../api/index.js';
import type { Cli, Session } from '../context.js';
import { CliError, usageError } from '../exit.js';
import { FailureTracker, conditionReached } from '../wait/predicates.js';
import { runWait } from '../wait/run.js';
import type { WaitFlags } from './options.js';

const PARAM_KEY = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/** `K=V` pairs; with `allowRemove`, `K=` means "remove K" (null in the merge patch). */
export function parseParams(args: readonly string[], allowRemove: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq < 0) throw usageError(`invalid parameter "${a}": expected KEY=VALUE format`);
    const k = a.slice(0, eq);
    const v = a.slice(eq + 1);
    if (!PARAM_KEY.test(k)) throw usageError(`invalid parameter name "${k}": use a letter followed by letters, digits or "_"`);
    out[k] = allowRemove && v === '' ? null : v;
  }
  return out;
}

/** The LimaVM named `name` in whichever namespace holds it. */
export async function findVM(s: Session, name: string): Promise<LimaVM> {
  const list = await s.client.list(LIMAVM_KIND, { name });
  const vm = list.items.find((i) => i.metadata.name === name);
  if (!vm) throw new CliError(`LimaVM "${name}" not found in any namespace`);
  return vm;
}

export const ns = (vm: Resource): string => vm.metadata.namespace ?? 'default';
export const what = (name: string): string => `LimaVM "${name}"`;

export async function waitRunning(cli: Cli, s: Session, vm: Resource, f: WaitFlags): Promise<void> {
  const gen = vm.metadata.generation;
  await runWait(
    cli,
    s,
    {
      kind: LIMAVM_KIND,
      name: vm.metadata.name,
      namespace: ns(vm),
      initial: vm,
      what: `${what(vm.metadata.name)} to run`,
      minGeneration: gen,
      check: conditionReached(what(vm.metadata.name), { type: 'Running', status: 'True' }, new FailureTracker(vm, { armed: true, generation: gen, types: ['Created', 'Running'] }), gen),
    },
    f.timeout,
  );
  cli.out(`${what(vm.metadata.name)} is running`);
}
