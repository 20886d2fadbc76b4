// `limactl validate [--fill] FILE...` (docs/lima.md#mapping-to-lima): the instance name comes from the file's
// basename; the same checks as create plus the unused-param check; the first failure is fatal.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Ctx } from '../context.js';
import { knobMs } from '../faults.js';
import { instNameError, validateInstanceName } from '../names.js';
import { Fatal, q } from '../output.js';
import { sleep } from '../procs.js';
import { fillDefaults, parseTemplate, validateTemplate } from '../template.js';


export async function validateCmd(ctx: Ctx): Promise<number> {
  if (ctx.positionals.length === 0) throw new Fatal('requires at least 1 arg(s), only received 0');
  for (const file of ctx.positionals) {
    const name = validateInstanceName(file);
    if (name === undefined) throw new Fatal(`can't determine instance name from template locator ${JSON.stringify(file)}`);
    const nameErr = instNameError(name);
    if (nameErr !== undefined) throw new Fatal(`filename ${JSON.stringify(file)} is invalid: ${nameErr}`);
    const faults = ctx.faults(name);
    await sleep(knobMs(faults.validateDelayMs, 0));
    const fail = (why: string): never => {
      throw new Fatal(`failed to validate YAML file ${q(file)}: ${why}`);
    };
    if (typeof faults.validateFail === 'string' && faults.validateFail !== '') fail(faults.validateFail);
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      fail(`open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
    const parsed = parseTemplate(text);
    if ('error' in parsed) return fail(parsed.error);
    const errs = validateTemplate(parsed.doc, text);
    if (errs.length > 0) fail(errs.join('\n'));
    ctx.log.info(`${q(file)}: OK`);
    if (ctx.flags.get('fill') === true) process.stdout.write(stringify(fillDefaults(parsed.doc)));
  }
  return 0;
}
