// `limactl edit [--set E]... [--cpus N] [--memory F] [--disk F] NAME` (docs/lima.md#mapping-to-lima): only for a
// stopped instance; rejects disk shrink; "no changes" is success.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../context.js';
import { FILES, instDir } from '../files.js';
import { inspect, isMissing } from '../inspect.js';
import { applyEdits, editExpressions } from '../instance-create.js';
import { assertInstName } from '../names.js';
import { Fatal, q } from '../output.js';
import { fillDefaults, parseTemplate, ramInBytes, validateTemplate } from '../template.js';

export async function editCmd(ctx: Ctx): Promise<number> {
  if (ctx.positionals.length > 1) throw new Fatal(`accepts at most 1 arg(s), received ${ctx.positionals.length}`);
  if (ctx.flags.get('start') === true) throw new Fatal('--start is not supported by the simulator; run `limactl start` after editing');
  const name = ctx.positionals[0] ?? 'default';
  assertInstName(name);
  const inst = await inspect(ctx.limaHome, name);
  if (isMissing(inst)) throw new Fatal(`instance ${q(name)} not found`);
  if (inst.status === 'Running') throw new Fatal('cannot edit a running instance');
  const file = join(instDir(ctx.limaHome, name), FILES.limaYaml);
  const before = readFileSync(file, 'utf8');
  const old = parseTemplate(before);
  if ('error' in old) throw new Fatal(`instance ${q(name)} has configuration errors: ${old.error}`);
  const after = applyEdits(before, editExpressions(ctx.flags, old.doc));
  if (after === before) {
    ctx.log.info('Aborting, no changes made to the instance');
    return 0;
  }
  const next = parseTemplate(after);
  if ('error' in next) throw new Fatal(next.error);
  const errs = validateTemplate(next.doc, after);
  if (errs.length > 0) throw new Fatal(errs.join('\n'));
  const oldDisk = fillDefaults(old.doc).disk;
  const newDisk = fillDefaults(next.doc).disk;
  if (ramInBytes(newDisk) < ramInBytes(oldDisk)) {
    throw new Fatal(`field ${q('disk')}: shrinking the disk (${oldDisk} --> ${newDisk}) is not supported`);
  }
  writeFileSync(file, after);
  ctx.log.info(`Instance ${q(name)} configuration edited`);
  return 0;
}
