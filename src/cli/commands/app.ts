// App commands: start, stop, set, delete, reset. `set` creates the App when it is missing
// (running=false unless set); --dry-run never stores anything (a dry-run create when there is no
// App, a dry-run patch when there is one).
import type { Command } from 'commander';
import {
  APP_API_VERSION,
  APP_KIND,
  APP_NAME,
  APP_VM_NAME,
  DEFAULT_APP_NAMESPACE,
  LIMAVM_KIND,
  RESET_REQUESTED_ANNOTATION,
  findCondition,
  isAlreadyExists,
  isNotFound,
  type App,
  type Condition,
  type Resource,
} from '../../api/index.js';
import type { Cli, Session } from '../context.js';
import { CliError } from '../exit.js';
import { propertiesHelp } from '../props/help.js';
import { fillRequired, parseAssignments, toPatch } from '../props/parse.js';
import { propertyTree } from '../props/schema.js';
import { FailureTracker, appSettled, gone, resetDone } from '../wait/predicates.js';
import { runWait } from '../wait/run.js';
import { waitOptions, type WaitFlags } from './options.js';

type Json = Record<string, unknown>;

async function getApp(s: Session): Promise<App | undefined> {
  try {
    return await s.client.get(APP_KIND, APP_NAME);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Waits for Settled=True at `generation` and prints the outcome. */
async function waitSettled(cli: Cli, s: Session, app: Resource, generation: number, timeoutMs: number): Promise<void> {
  const last = await runWait(
    cli,
    s,
    { kind: APP_KIND, name: APP_NAME, initial: app, what: 'the App to settle', check: appSettled(generation), minGeneration: generation },
    timeoutMs,
  );
  const settled = findCondition((last?.status as { conditions?: Condition[] } | undefined)?.conditions, 'Settled');
  cli.out(`App settled${settled?.message ? `: ${settled.message}` : ''}`);
}

/** `rdd set` and its shorthands: create or patch the App's spec, then wait for Settled. */
export async function setApp(cli: Cli, specPatch: Json, f: WaitFlags): Promise<void> {
  const s = await cli.session();
  const { client } = s;
  let existing = await getApp(s);
  if (!existing) {
    const spec = fillRequired(specPatch, undefined);
    const obj = { apiVersion: APP_API_VERSION, kind: APP_KIND, metadata: { name: APP_NAME }, spec };
    if (f.dryRun) {
      await client.create(obj, { dryRun: true });
      cli.out('App validated (dry run; nothing was created)');
      return;
    }
    try {
      const created = await client.create(obj);
      cli.out('App created');
      if (f.wait) await waitSettled(cli, s, created, created.metadata.generation, f.timeout);
      return;
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      existing = await getApp(s);
      if (!existing) throw e;
    }
  }
  const patch = fillRequired(specPatch, existing.spec);
  const res = await client.patch(APP_KIND, APP_NAME, { spec: patch }, f.dryRun ? { dryRun: true } : {});
  if (f.dryRun) {
    cli.out('App validated (dry run; nothing was changed)');
    return;
  }
  cli.out(res.metadata.generation !== existing.metadata.generation ? 'App updated' : 'App unchanged');
  if (f.wait) await waitSettled(cli, s, res, res.metadata.generation, f.timeout);
}

async function deleteApp(cli: Cli, f: WaitFlags): Promise<void> {
  const s = await cli.session();
  const app = await getApp(s);
  if (!app) {
    cli.out('App does not exist; nothing to delete');
    return;
  }
  const res = await s.client.delete(APP_KIND, APP_NAME, f.dryRun ? { dryRun: true } : {});
  if (f.dryRun) {
    cli.out('App deletion validated (dry run; nothing was deleted)');
    return;
  }
  if (res.removed || !f.wait) {
    cli.out(res.removed ? 'App deleted' : 'App deletion requested');
    return;
  }
  cli.out('App deletion requested; waiting for its VM and ConfigMaps to be removed');
  await runWait(
    cli,
    s,
    { kind: APP_KIND, name: APP_NAME, initial: res.object, what: 'the App to be deleted', check: gone(app.metadata.uid) },
    f.timeout,
  );
  cli.out('App deleted');
}

/**
 * `rdd reset`: asks the App's VM for a reset (stop, delete the Lima instance, recreate it from the
 * template, start it again if the App runs) through the resetRequested annotation, waits for the
 * VM to come back, then for the App to settle. Settings and the App object stay.
 */
async function resetApp(cli: Cli, f: WaitFlags): Promise<void> {
  const s = await cli.session();
  const app = await getApp(s);
  if (!app) throw new CliError('App does not exist; nothing to reset (run "rdd start" to create it)');
  const ns = app.spec.namespace ?? DEFAULT_APP_NAMESPACE;
  let vm: Resource;
  try {
    vm = await s.client.get(LIMAVM_KIND, APP_VM_NAME, { namespace: ns });
  } catch (e) {
    if (isNotFound(e)) throw new CliError(`the App has no LimaVM "${APP_VM_NAME}" in namespace "${ns}" yet; nothing to reset`);
    throw e;
  }
  // A LimaVM rd the App does not control is someone else's: resetting it would wipe their disk.
  if (vm.metadata.ownerReferences?.find((r) => r.controller === true)?.uid !== app.metadata.uid) {
    throw new CliError(`LimaVM "${APP_VM_NAME}" in namespace "${ns}" is not controlled by the App; not resetting it (see the App's Settled condition)`);
  }
  const patch = { metadata: { annotations: { [RESET_REQUESTED_ANNOTATION]: new Date().toISOString() } } };
  const res = await s.client.patch(LIMAVM_KIND, APP_VM_NAME, patch, { namespace: ns, ...(f.dryRun ? { dryRun: true } : {}) });
  if (f.dryRun) {
    cli.out('App reset validated (dry run; nothing was changed)');
    return;
  }
  cli.out(`Reset requested for LimaVM "${APP_VM_NAME}" in namespace "${ns}"`);
  if (!f.wait) return;
  const started = Date.now();
  await runWait(
    cli,
    s,
    {
      kind: LIMAVM_KIND,
      name: APP_VM_NAME,
      namespace: ns,
      initial: res,
      what: `LimaVM "${APP_VM_NAME}" to be recreated`,
      check: resetDone(`LimaVM "${APP_VM_NAME}"`, new FailureTracker(vm, { armed: false, types: ['Created', 'Running'] })),
    },
    f.timeout,
  );
  const fresh = await getApp(s);
  if (!fresh) throw new CliError('the App was deleted during the reset');
  const left = f.timeout <= 0 ? 0 : Math.max(1, f.timeout - (Date.now() - started));
  await waitSettled(cli, s, fresh, fresh.metadata.generation, left);
}

export function registerAppCommands(program: Command, cliOf: (cmd: Command) => Cli): void {
  waitOptions(program.command('start').description('Create the App if needed and start its VM; wait until Settled')).action(
    async (f: WaitFlags, cmd: Command) => setApp(cliOf(cmd), { running: true }, f),
  );

  waitOptions(program.command('stop').description('Stop the App\'s VM; wait until Settled (no App: nothing to do)')).action(
    async (f: WaitFlags, cmd: Command) => {
      const cli = cliOf(cmd);
      const s = await cli.session();
      if (!(await getApp(s))) {
        cli.out('App does not exist; nothing to stop');
        return;
      }
      await setApp(cli, { running: false }, f);
    },
  );

  waitOptions(
    program
      .command('set')
      .description('Set App properties (PROPERTY=VALUE, dotted paths); creates the App if needed')
      .argument('<assignments...>', 'PROPERTY=VALUE pairs, e.g. virtualMachine.cpus=4')
      // A function: the property list is built from the App schema only when help is shown.
      .addHelpText('after', () => `\n${propertiesHelp()}\n\nAn empty quantity (virtualMachine.memory=) removes the value, so the default applies.`),
  ).action(async (assignments: string[], f: WaitFlags, cmd: Command) => {
    const patch = toPatch(parseAssignments(assignments, propertyTree()));
    await setApp(cliOf(cmd), patch, f);
  });

  waitOptions(program.command('delete').description('Delete the App with its VM and ConfigMaps; wait until it is gone')).action(
    async (f: WaitFlags, cmd: Command) => deleteApp(cliOf(cmd), f),
  );

  waitOptions(
    program.command('reset').description("Recreate the App's VM from its template (its disk is lost; settings stay); wait until Settled"),
  ).action(async (f: WaitFlags, cmd: Command) => resetApp(cliOf(cmd), f));
}
