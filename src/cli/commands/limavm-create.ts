// `rdd limavm create NAME TEMPLATE`: the template is a ConfigMap name or a file. A file becomes a
// ConfigMap named after the VM that the VM then owns (so it is deleted with it); a failed or
// dry-run create removes that ConfigMap again.
import { readFileSync } from 'node:fs';
import {
  CONFIGMAP_KIND,
  CORE_API_VERSION,
  LIMAVM_API_VERSION,
  LIMAVM_KIND,
  TEMPLATE_KEY,
  isNotFound,
  type LimaVM,
  type Resource,
} from '../../api/index.js';
import type { Cli } from '../context.js';
import { CliError } from '../exit.js';
import { classifyTemplateArg } from '../template-arg.js';
import { FailureTracker, conditionReached } from '../wait/predicates.js';
import { runWait } from '../wait/run.js';
import { parseParams, waitRunning, what } from './limavm-common.js';
import type { WaitFlags } from './options.js';

export async function createVM(cli: Cli, name: string, template: string, o: WaitFlags & { namespace: string; param: string[]; start: boolean }): Promise<void> {
  const params = parseParams(o.param, false) as Record<string, string>;
  const t = classifyTemplateArg(template);
  const s = await cli.session();
  const { client } = s;
  let cmName: string;
  let createdCM: Resource | undefined;
  if (t.kind === 'file') {
    let text: string;
    try {
      text = readFileSync(t.path, 'utf8');
    } catch (e) {
      throw new CliError(`failed to read template file "${t.path}": ${(e as Error).message}`);
    }
    cmName = name;
    try {
      await client.get(CONFIGMAP_KIND, cmName, { namespace: o.namespace });
      throw new CliError(`ConfigMap "${cmName}" already exists in namespace "${o.namespace}", will not modify existing ConfigMap`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    // Created for real even on --dry-run: the VM's admission reads it. Removed again below.
    createdCM = await client.create({
      apiVersion: CORE_API_VERSION,
      kind: CONFIGMAP_KIND,
      metadata: { name: cmName, namespace: o.namespace },
      data: { [TEMPLATE_KEY]: text },
    });
  } else {
    cmName = t.name;
  }
  const cleanup = async () => {
    if (!createdCM) return;
    cli.err(`Cleaning up created ConfigMap "${cmName}"`);
    await client.delete(CONFIGMAP_KIND, cmName, { namespace: o.namespace }).catch((e: unknown) => {
      cli.err(`warning: could not delete ConfigMap "${cmName}": ${(e as Error).message}`);
    });
  };
  let vm: LimaVM;
  try {
    vm = await client.create(
      {
        apiVersion: LIMAVM_API_VERSION,
        kind: LIMAVM_KIND,
        metadata: { name, namespace: o.namespace },
        spec: { templateRef: { name: cmName }, running: o.start, ...(Object.keys(params).length ? { params } : {}) },
      },
      o.dryRun ? { dryRun: true } : {},
    );
  } catch (e) {
    await cleanup();
    throw e;
  }
  if (o.dryRun) {
    await cleanup();
    cli.out(`${what(name)} validated (dry run; nothing was created)`);
    return;
  }
  if (createdCM) {
    // The ConfigMap from the file belongs to the VM from now on: deleted with it.
    const owner = { apiVersion: LIMAVM_API_VERSION, kind: LIMAVM_KIND, name, uid: vm.metadata.uid, controller: true, blockOwnerDeletion: true };
    try {
      await client.patch(CONFIGMAP_KIND, cmName, { metadata: { ownerReferences: [owner] } }, { namespace: o.namespace });
    } catch (e) {
      cli.err(`warning: could not make LimaVM "${name}" the owner of ConfigMap "${cmName}": ${(e as Error).message}`);
      await cleanup();
    }
  }
  cli.out(`${what(name)} created in namespace "${o.namespace}" with template ConfigMap "${cmName}"`);
  if (!o.wait) return;
  if (o.start) {
    await waitRunning(cli, s, vm, o);
    return;
  }
  const gen = vm.metadata.generation;
  await runWait(
    cli,
    s,
    {
      kind: LIMAVM_KIND,
      name,
      namespace: o.namespace,
      initial: vm,
      what: `${what(name)} to be created`,
      minGeneration: gen,
      check: conditionReached(what(name), { type: 'Created', status: 'True' }, new FailureTracker(vm, { armed: true, generation: gen, types: ['Created'] }), gen),
    },
    o.timeout,
  );
  cli.out(`${what(name)} is created (not started; use "rdd limavm start ${name}")`);
}
