// `npm run bench`: runs every benchmark (each prints one JSON object) one after another, so they
// do not disturb each other, and prints {"<name>": <result>, ...}.
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const results: Record<string, unknown> = {};
for (const name of readdirSync(dir).sort()) {
  const main = `${dir}${name}/main.js`;
  if (!existsSync(main) || (only.length > 0 && !only.includes(name))) continue;
  process.stderr.write(`bench ${name}...\n`);
  const r = await execa(process.execPath, [main], { reject: false, stderr: 'inherit', timeout: 900_000 });
  try {
    results[name] = JSON.parse(r.stdout) as unknown;
  } catch {
    results[name] = { error: `exit ${String(r.exitCode)}`, output: r.stdout.slice(-2000) };
  }
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
