// `limactl delete [-f] NAME...` (docs/lima.md#mapping-to-lima): a missing name is ignored (exit 0); without
// -f the instance must be Stopped; -f force-stops first. Names are processed in order.
import { existsSync, rmSync } from 'node:fs';
import type { Ctx } from '../context.js';
import { applyDiskFaults } from '../disk-faults.js';
import { instDir } from '../files.js';
import { inspect, isMissing } from '../inspect.js';
import { assertInstName } from '../names.js';
import { Fatal, q } from '../output.js';
import { stopForcibly } from './stop.js';

export async function deleteCmd(ctx: Ctx): Promise<number> {
  if (ctx.positionals.length === 0) throw new Fatal('requires at least 1 arg(s), only received 0');
  const force = ctx.flags.get('force') === true;
  ctx.positionals.forEach(assertInstName);
  for (const name of ctx.positionals) {
    const dir = instDir(ctx.limaHome, name);
    if (!existsSync(dir)) {
      ctx.log.warn(`Ignoring non-existent instance ${q(name)}`);
      continue;
    }
    const faults = ctx.faults(name);
    applyDiskFaults(ctx.limaHome, name, faults);
    if (typeof faults.deleteFail === 'string' && faults.deleteFail !== '') {
      throw new Fatal(`failed to delete instance ${q(name)}: ${faults.deleteFail}`);
    }
    const inst = await inspect(ctx.limaHome, name);
    if (isMissing(inst)) {
      throw new Fatal(
        `instance ${q(name)} directory ${q(dir)} exists but its ${q('lima.yaml')} could not be read; it was NOT deleted ` +
          `(hint: inspect the directory and remove it manually if it is not needed): ${inst.error}`,
      );
    }
    if (inst.protected) {
      throw new Fatal(`failed to delete instance ${q(name)}: instance is protected to prohibit accidental removal (Hint: use \`limactl unprotect\`)`);
    }
    if (!force && inst.status !== 'Stopped') {
      throw new Fatal(`failed to delete instance ${q(name)}: expected status ${q('Stopped')}, got ${q(inst.status)}`);
    }
    if (force) await stopForcibly(ctx, name);
    rmSync(dir, { recursive: true, force: true });
    ctx.log.info(`Deleted ${q(name)} (${q(dir)})`);
  }
  return 0;
}
