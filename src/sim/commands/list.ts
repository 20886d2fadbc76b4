// `limactl list [--json|--format F] [-q] [NAME...]` (docs/lima.md#mapping-to-lima): NDJSON by default for json,
// omitempty fields, warnings for no instances / unmatched names, fatal `unmatched instances`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { flagString } from '../cli.js';
import type { Ctx } from '../context.js';
import { applyDiskFaults } from '../disk-faults.js';
import { knobMs } from '../faults.js';
import { FILES, instDir } from '../files.js';
import { inspect, isMissing } from '../inspect.js';
import { hostnameOf } from '../names.js';
import { Fatal, q } from '../output.js';
import { sleep } from '../procs.js';
import { fillDefaults, ramInBytes } from '../template.js';

/** Instance names under LIMA_HOME: directories not starting with `_` or `.`, sorted. */
export function instanceNames(limaHome: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(limaHome);
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.startsWith('_') && !e.startsWith('.'))
    .filter((e) => {
      try {
        return statSync(join(limaHome, e)).isDirectory();
      } catch {
        return false;
      }
    })
    .sort();
}

type Row = Record<string, unknown>;

/** One instance as `list --json` prints it, in Lima's field order with its omitempty rules. */
async function row(ctx: Ctx, name: string): Promise<Row> {
  const dir = instDir(ctx.limaHome, name);
  const inst = await inspect(ctx.limaHome, name);
  if (isMissing(inst)) {
    return { name, hostname: hostnameOf(name), status: 'Broken', dir, vmType: '', arch: '', sshConfigFile: join(dir, FILES.sshConfig), errors: [inst.error], sshAddress: '127.0.0.1', protected: false, limaVersion: '' };
  }
  const r: Row = { name, hostname: hostnameOf(name), status: inst.status, dir, vmType: inst.vmType, arch: inst.arch };
  if (inst.doc !== undefined) {
    const cfg = fillDefaults(inst.doc);
    r.cpus = cfg.cpus;
    r.memory = ramInBytes(cfg.memory);
    r.disk = ramInBytes(cfg.disk);
    if (typeof cfg.message === 'string' && cfg.message !== '') r.message = cfg.message;
  }
  if (inst.sshLocalPort > 0) r.sshLocalPort = inst.sshLocalPort;
  r.sshConfigFile = join(dir, FILES.sshConfig);
  if (inst.hostAgentPID > 0) r.hostAgentPID = inst.hostAgentPID;
  if (inst.driverPID > 0) r.driverPID = inst.driverPID;
  if (inst.errors.length > 0) r.errors = inst.errors;
  if (inst.doc !== undefined) r.config = fillDefaults(inst.doc);
  r.sshAddress = '127.0.0.1';
  r.protected = inst.protected;
  r.limaVersion = inst.limaVersion;
  const param = inst.doc?.param;
  if (typeof param === 'object' && param !== null && Object.keys(param).length > 0) r.param = param;
  return r;
}

function gib(bytes: unknown): string {
  return typeof bytes === 'number' ? `${+(bytes / 1024 ** 3).toFixed(2)}GiB` : '';
}

function table(rows: Row[]): string {
  const head = ['NAME', 'STATUS', 'SSH', 'VMTYPE', 'ARCH', 'CPUS', 'MEMORY', 'DISK', 'DIR'];
  const body = rows.map((r) => [
    String(r.name),
    String(r.status),
    typeof r.sshLocalPort === 'number' ? `127.0.0.1:${r.sshLocalPort}` : '127.0.0.1:0',
    String(r.vmType),
    String(r.arch),
    String(r.cpus ?? ''),
    gib(r.memory),
    gib(r.disk),
    String(r.dir),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  return [head, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join('    ').trimEnd()).join('\n') + '\n';
}

/** Go-template subset: `{{.Field}}` with Lima's capitalised field names. */
function goTemplate(tmpl: string, r: Row): string {
  return tmpl.replace(/{{\s*\.(\w+)\s*}}/g, (_m, f: string) => {
    const key = f === 'HostAgentPID' || f === 'DriverPID' ? f.replace(/^./, (c) => c.toLowerCase()) : f.charAt(0).toLowerCase() + f.slice(1);
    const v = r[key];
    return v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean);
  });
}

export async function listCmd(ctx: Ctx): Promise<number> {
  const faults = ctx.faults(ctx.positionals[0] ?? null);
  await sleep(knobMs(faults.listDelayMs, 0));
  if (faults.listFail === true) throw new Fatal('failed to list instances: injected by the simulator (listFail)');
  const format = ctx.flags.get('json') === true ? 'json' : (flagString(ctx.flags, 'format') ?? 'table');
  const all = instanceNames(ctx.limaHome);
  if (all.length === 0) {
    ctx.log.warn('No instance found. Run `limactl create` to create an instance.');
    return 0;
  }
  let chosen = all;
  let unmatched = false;
  if (ctx.positionals.length > 0) {
    chosen = [];
    for (const n of ctx.positionals) {
      if (all.includes(n)) chosen.push(n);
      else {
        ctx.log.warn(`No instance matching ${n} found.`);
        unmatched = true;
      }
    }
  }
  if (ctx.flags.get('quiet') === true) {
    process.stdout.write(chosen.map((n) => `${n}\n`).join(''));
  } else {
    const rows: Row[] = [];
    for (const n of chosen) {
      applyDiskFaults(ctx.limaHome, n, ctx.faults(n));
      const r = await row(ctx, n);
      if (Array.isArray(r.errors)) ctx.log.warn(`instance ${q(n)} has errors`, { errors: r.errors });
      rows.push(r);
    }
    if (format === 'json') process.stdout.write(rows.map((r) => JSON.stringify(r) + '\n').join(''));
    else if (format === 'yaml') process.stdout.write(rows.map((r) => `---\n${stringify(r)}`).join(''));
    else if (format === 'table') process.stdout.write(table(rows));
    else if (format.includes('{{')) process.stdout.write(rows.map((r) => goTemplate(format, r) + '\n').join(''));
    else throw new Fatal(`unsupported format ${JSON.stringify(format)}`);
  }
  if (unmatched) throw new Fatal('unmatched instances');
  return 0;
}
