// `rdd ctl`: generic resource access (get, apply, delete, wait-condition) for every kind,
// namespaced or cluster-scoped.
import type { Command } from 'commander';
import {
  KINDS,
  findCondition,
  isNotFound,
  resolveKind,
  type Condition,
  type KindInfo,
  type Resource,
} from '../../api/index.js';
import type { Cli } from '../context.js';
import { CliError, usageError } from '../exit.js';
import { columnsFor, rowsFor } from '../output/columns.js';
import { GET_FORMATS, parseFormat, renderResources, toYaml, type GetFormat } from '../output/format.js';
import { RowPrinter } from '../output/table.js';
import { transitionLine } from '../wait/progress.js';
import { gone } from '../wait/predicates.js';
import { runWait } from '../wait/run.js';
import { DONE, WAIT, failed } from '../wait/wait.js';
import { applyDocuments, readManifest } from './apply.js';
import { nonNegativeIntArg, timeoutOption, waitOptions, type WaitFlags } from './options.js';

export function kindOrUsage(name: string): KindInfo {
  const k = resolveKind(name);
  if (k) return k;
  const known = KINDS.map((x) => (x.shortNames.length ? `${x.plural} (${x.shortNames.join(', ')})` : x.plural)).join(', ');
  throw usageError(`unknown resource type "${name}"; known types: ${known}`);
}

interface GetFlags {
  namespace?: string;
  allNamespaces: boolean;
  output: string;
  watch: boolean;
}

function scope(kind: KindInfo, f: { namespace?: string; allNamespaces?: boolean }): string | undefined {
  if (f.namespace !== undefined && f.allNamespaces) throw usageError('use either -n/--namespace or -A/--all-namespaces, not both');
  if (!kind.namespaced) return undefined;
  return f.allNamespaces ? undefined : (f.namespace ?? 'default');
}

async function get(cli: Cli, kindName: string, name: string | undefined, f: GetFlags): Promise<void> {
  const kind = kindOrUsage(kindName);
  const format = parseFormat<GetFormat>(f.output, GET_FORMATS);
  const namespace = scope(kind, f);
  const s = await cli.session();
  let items: Resource[];
  let rv: string;
  if (name !== undefined) {
    const obj = await s.client.get(kind.kind, name, namespace !== undefined ? { namespace } : {});
    items = [obj];
    rv = obj.metadata.resourceVersion;
  } else {
    const list = await s.client.list(kind.kind, namespace !== undefined ? { namespace } : {});
    items = list.items;
    rv = list.resourceVersion;
  }
  const allNamespaces = kind.namespaced && f.allNamespaces;
  if (!f.watch) {
    const text = renderResources(kind, items, { format, allNamespaces, single: name !== undefined });
    if (text === '') cli.err(namespace ? `No resources found in ${namespace} namespace.` : 'No resources found.');
    else cli.out(text);
    return;
  }
  await watch(cli, kind, { name, namespace, rv, items, format, allNamespaces });
}

/** `get -w`: the current state, then one row (or document) per change until interrupted. */
async function watch(
  cli: Cli,
  kind: KindInfo,
  o: { name: string | undefined; namespace: string | undefined; rv: string; items: Resource[]; format: GetFormat; allNamespaces: boolean },
): Promise<void> {
  const s = await cli.session();
  const table = o.format === 'table' || o.format === 'wide';
  const cols = columnsFor(kind, { wide: o.format === 'wide', allNamespaces: o.allNamespaces });
  const printer = new RowPrinter((l) => cli.out(l));
  const emit = (type: string, obj: Resource) => {
    if (table) printer.row(rowsFor(cols, [obj])[0] ?? []);
    else if (o.format === 'json') cli.out(JSON.stringify({ type, object: obj }));
    else cli.out(`---\n${toYaml({ type, object: obj })}`);
  };
  if (table) printer.first(cols.map((c) => c.head), rowsFor(cols, o.items));
  else for (const it of o.items) emit('ADDED', it);
  await new Promise<void>((resolve, reject) => {
    const w = s.client.watch(
      {
        kind: kind.kind,
        resourceVersion: o.rv,
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
      },
      (ev) => {
        if (ev.type !== 'BOOKMARK') emit(ev.type, ev.object);
      },
      (err) => {
        w.close();
        reject(err);
      },
    );
    const stop = () => {
      w.close();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function del(cli: Cli, kindName: string, name: string, f: WaitFlags & { namespace?: string; gracePeriod?: number }): Promise<void> {
  const kind = kindOrUsage(kindName);
  const namespace = scope(kind, f);
  const s = await cli.session();
  const res = await s.client.delete(kind.kind, name, {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(f.dryRun ? { dryRun: true } : {}),
    ...(f.gracePeriod !== undefined ? { gracePeriodSeconds: f.gracePeriod } : {}),
  });
  const label = `${kind.singular} "${name}"`;
  if (f.dryRun) {
    cli.out(`${label} deleted (dry run)`);
    return;
  }
  if (!res.removed && f.wait) {
    await runWait(
      cli,
      s,
      {
        kind: kind.kind,
        name,
        ...(namespace !== undefined ? { namespace } : {}),
        initial: res.object,
        what: `${label} to be deleted`,
        check: gone(res.object.metadata.uid),
      },
      f.timeout,
    );
  }
  cli.out(res.removed || f.wait ? `${label} deleted` : `${label} deletion requested`);
}

/** `COND[=STATUS]`: STATUS is True, False or Unknown (any case); True when omitted. */
export function parseConditionArg(arg: string): { type: string; status: 'True' | 'False' | 'Unknown' } {
  const eq = arg.indexOf('=');
  const type = eq < 0 ? arg : arg.slice(0, eq);
  const raw = eq < 0 ? 'True' : arg.slice(eq + 1);
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(type)) throw usageError(`invalid condition "${arg}": expected TYPE or TYPE=STATUS`);
  const status = ({ true: 'True', false: 'False', unknown: 'Unknown' } as const)[raw.toLowerCase() as 'true' | 'false' | 'unknown'];
  if (!status) throw usageError(`invalid condition status "${raw}": use True, False or Unknown`);
  return { type, status };
}

/** `--since`: RFC 3339, or `startup` (when the daemon started). Second precision, inclusive. */
export function parseSince(arg: string, startedAt: string): number {
  const t = arg === 'startup' ? Date.parse(startedAt) : Date.parse(arg);
  if (Number.isNaN(t)) throw usageError(`invalid --since "${arg}": use an RFC 3339 time (2025-01-02T15:04:05Z) or "startup"`);
  return Math.floor(t / 1000) * 1000;
}

async function waitCondition(
  cli: Cli,
  target: string,
  condArg: string,
  f: { namespace?: string; reason?: string; since?: string; timeout: number },
): Promise<void> {
  const slash = target.indexOf('/');
  if (slash <= 0 || slash === target.length - 1) throw usageError(`invalid target "${target}": expected KIND/NAME, e.g. app/app or limavm/rd`);
  const kind = kindOrUsage(target.slice(0, slash));
  const name = target.slice(slash + 1);
  const goal = parseConditionArg(condArg);
  const namespace = kind.namespaced ? (f.namespace ?? 'default') : undefined;
  const s = await cli.session();
  const since = f.since !== undefined ? parseSince(f.since, s.hello.daemon.startedAt) : undefined;
  let obj: Resource;
  try {
    obj = await s.client.get(kind.kind, name, namespace !== undefined ? { namespace } : {});
  } catch (e) {
    if (isNotFound(e)) throw new CliError(`${kind.singular} "${name}" not found${namespace ? ` in namespace "${namespace}"` : ''}`);
    throw e;
  }
  const want = `${goal.type}=${goal.status}${f.reason ? ` (reason ${f.reason})` : ''}`;
  const matches = (c: Condition | undefined): c is Condition =>
    c !== undefined &&
    c.status === goal.status &&
    (f.reason === undefined || c.reason === f.reason) &&
    (since === undefined || Date.parse(c.lastTransitionTime) >= since);
  const last = await runWait(
    cli,
    s,
    {
      kind: kind.kind,
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      initial: obj,
      what: `${kind.singular} "${name}" condition ${want}`,
      check: (o) => {
        if (!o) return failed(`${kind.singular} "${name}" was deleted while waiting for ${want}`);
        const conds = (o.status as { conditions?: Condition[] } | undefined)?.conditions;
        const c = conds?.find((x) => x.type.toLowerCase() === goal.type.toLowerCase());
        return matches(c) ? DONE : WAIT;
      },
    },
    f.timeout,
  );
  const c = findCondition((last?.status as { conditions?: Condition[] } | undefined)?.conditions, goal.type) ??
    (last?.status as { conditions?: Condition[] } | undefined)?.conditions?.find((x) => x.type.toLowerCase() === goal.type.toLowerCase());
  cli.out(`condition met: ${c ? transitionLine(c) : want}`);
}

export function registerCtlCommands(program: Command, cliOf: (cmd: Command) => Cli): void {
  const ctl = program.command('ctl').description('Generic resource access: get, apply, delete, wait-condition').enablePositionalOptions();

  ctl
    .command('get')
    .description('List or show resources (kinds: namespaces/ns, configmaps/cm, apps, limavms/vm/lima)')
    .argument('<kind>')
    .argument('[name]')
    .option('-n, --namespace <ns>', 'namespace (default "default"; ignored for cluster-scoped kinds)')
    .option('-A, --all-namespaces', 'every namespace', false)
    .option('-o, --output <format>', `output format: ${GET_FORMATS.join('|')}`, 'table')
    .option('-w, --watch', 'after the current state, print every change until interrupted', false)
    .action(async (kind: string, name: string | undefined, f: GetFlags, cmd: Command) => get(cliOf(cmd), kind, name, f));

  ctl
    .command('apply')
    .description('Create or update resources from YAML or JSON (one or many documents, or a List)')
    .requiredOption('-f, --filename <file>', 'file to read, or - for stdin')
    .option('-n, --namespace <ns>', 'namespace for namespaced objects that do not name one', 'default')
    .option('--dry-run', 'validate on the server without storing anything', false)
    .action(async (f: { filename: string; namespace: string; dryRun: boolean }, cmd: Command) => {
      const docs = await readManifest(f.filename);
      const cli = cliOf(cmd);
      await applyDocuments(cli, await cli.session(), docs, f);
    });

  waitOptions(
    ctl
      .command('delete')
      .description('Delete a resource; wait until it is gone')
      .argument('<kind>')
      .argument('<name>')
      .option('-n, --namespace <ns>', 'namespace (default "default")')
      .option('--grace-period <seconds>', 'how long a VM gets to shut down before it is forced', nonNegativeIntArg),
  ).action(async (kind: string, name: string, f: WaitFlags & { namespace?: string; gracePeriod?: number }, cmd: Command) =>
    del(cliOf(cmd), kind, name, f),
  );

  ctl
    .command('wait-condition')
    .description('Wait until a condition has a status (and reason); works for cluster-scoped kinds such as app/app')
    .argument('<target>', 'KIND/NAME, e.g. limavm/rd or app/app')
    .argument('<condition>', 'TYPE or TYPE=STATUS (True by default)')
    .option('-n, --namespace <ns>', 'namespace (default "default"; ignored for cluster-scoped kinds)')
    .option('--reason <reason>', 'the condition must also have this reason')
    .option('--since <time>', 'only a transition at or after this RFC 3339 time (second precision) counts; "startup" = when the daemon started')
    .addOption(timeoutOption('give up after this long (0 = no limit); exit code 4', '30s'))
    .action(async (target: string, cond: string, f: { namespace?: string; reason?: string; since?: string; timeout: number }, cmd: Command) =>
      waitCondition(cliOf(cmd), target, cond, f),
    );
}
