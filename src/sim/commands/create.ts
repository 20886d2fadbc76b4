// `limactl create [--name N] [--set E]... (FILE|-|template:default|NAME)` (docs/lima.md#mapping-to-lima).
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagString } from '../cli.js';
import type { Ctx } from '../context.js';
import { FILES, instDir } from '../files.js';
import { applyEdits, editExpressions, prepareDisk, writeInstance } from '../instance-create.js';
import { instNameError } from '../names.js';
import { Fatal, q } from '../output.js';
import { DEFAULT_TEMPLATE, parseTemplate } from '../template.js';

interface Source {
  name: string;
  text: string;
  /** Built-in default template: its image is remote, so the download fails offline. */
  offline: boolean;
}

/** Resolves the template locator and the instance name, as loadOrCreateInstance does. */
async function readSource(ctx: Ctx, arg: string): Promise<Source> {
  const flagName = flagString(ctx.flags, 'name');
  if (flagName !== undefined) {
    const err = instNameError(flagName);
    if (err !== undefined) throw new Fatal(err);
  }
  if (arg === '-') {
    if (flagName === undefined) throw new Fatal('must pass instance name with --name when reading template from stdin');
    if (ctx.flags.get('tty') === true) throw new Fatal('cannot use --tty=true when reading template from stdin');
    return { name: flagName, text: await ctx.readStdin(), offline: false };
  }
  if (arg === '' || arg === 'template:default' || arg === 'template://default' || instNameError(arg) === undefined) {
    const name = arg === '' || arg.startsWith('template:') ? (flagName ?? 'default') : arg;
    if (flagName !== undefined && instNameError(arg) === undefined && flagName !== arg) {
      throw new Fatal(`instance name ${q(arg)} and CLI flag --name=${q(flagName)} cannot be specified together`);
    }
    if (instNameError(arg) === undefined && name !== 'default') {
      ctx.log.info(`Creating an instance ${q(name)} from template:default (Not from template:${name})`);
      ctx.log.warn(`This form is deprecated. Use \`limactl create --name=${name} template:default\` instead`);
    }
    return { name, text: DEFAULT_TEMPLATE, offline: true };
  }
  if (arg.startsWith('template:')) throw new Fatal(`template ${q(arg.slice('template:'.length))} not found (the simulator only bundles template:default)`);
  if (/^https?:\/\//.test(arg)) throw new Fatal(`failed to fetch ${q(arg)}: the simulator has no network`);
  const path = arg.startsWith('file://') ? fileURLToPath(arg) : arg;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Fatal(`open ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  const name = flagName ?? basename(path).replace(/\.ya?ml$/i, '');
  const err = instNameError(name);
  if (err !== undefined) throw new Fatal(err);
  return { name, text, offline: false };
}

export async function createCmd(ctx: Ctx): Promise<number> {
  if (ctx.positionals.length > 1) throw new Fatal(`accepts at most 1 arg(s), received ${ctx.positionals.length}`);
  const src = await readSource(ctx, ctx.positionals[0] ?? '');
  const faults = ctx.faults(src.name);
  if (faults.createFail === 'exists' || existsSync(join(instDir(ctx.limaHome, src.name), FILES.limaYaml))) {
    throw new Fatal(`instance ${q(src.name)} already exists`);
  }
  const parsed = parseTemplate(src.text);
  if ('error' in parsed) throw new Fatal(parsed.error);
  const text = applyEdits(src.text, editExpressions(ctx.flags, parsed.doc));
  ctx.log.info('Terminal is not available, proceeding without opening an editor');
  if (faults.createFail === 'invalid') throw new Fatal(`field ${q('images')} must be set (injected by the simulator: createFail=invalid)`);
  const doc = writeInstance(ctx, src.name, text);
  await prepareDisk(ctx, src.name, doc, { offline: src.offline });
  ctx.log.info(`Run \`limactl start ${src.name}\` to start the instance.`);
  return 0;
}
