#!/usr/bin/env node
// Mutation runner: puts each guarded bug back in turn and checks that its tests fail.
//
//   npm run mutate                 every mutation in test/mutations/*.json
//   npm run mutate -- NAME [NAME]  only the named ones
//
// A mutation is { name, file, find, replace, tests, match? }. `find` must occur exactly once in
// `file` (else the list has gone stale and the runner refuses it, loudly). The mutation is
// *killed* when `npx ava <tests> [--match <match>]` fails; *survived* when it passes; *broken*
// when the mutated code does not build, the tests cannot be found, or the list entry is invalid.
// The file is always restored (also on Ctrl-C or a crash), and the project is rebuilt at the end.
// Exit 0 only when every mutation run was killed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const listDir = join(root, 'test/mutations');
const logDir = mkdtempSync(join(tmpdir(), 'rdd-mutate-'));

/** Every mutation of every list, with the list it came from. */
function loadMutations() {
  const all = [];
  for (const f of readdirSync(listDir).filter((n) => n.endsWith('.json')).sort()) {
    const list = JSON.parse(readFileSync(join(listDir, f), 'utf8'));
    if (!Array.isArray(list)) throw new Error(`test/mutations/${f}: expected a JSON array`);
    for (const m of list) all.push({ ...m, list: f });
  }
  return all;
}

/** Why the entry cannot be applied, or undefined when it can. */
function problem(m) {
  if (typeof m.name !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(m.name)) return 'name must be kebab-case';
  if (typeof m.file !== 'string' || typeof m.find !== 'string' || typeof m.replace !== 'string') return 'file, find and replace must be strings';
  if (m.find === m.replace) return 'replace equals find';
  if (!Array.isArray(m.tests) || m.tests.length === 0 || !m.tests.every((t) => typeof t === 'string')) return 'tests must be a non-empty array of paths';
  if (m.match !== undefined && typeof m.match !== 'string') return 'match must be a string';
  let text;
  try { text = readFileSync(join(root, m.file), 'utf8'); } catch { return `cannot read ${m.file}`; }
  const count = text.split(m.find).length - 1;
  if (count !== 1) return `find occurs ${count} times in ${m.file} (must be exactly once: update the list)`;
  return undefined;
}

/** Runs a command, capturing its output into a log file; resolves to its exit code. */
function run(cmd, args, logName) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code, signal) => {
      current = undefined;
      writeFileSync(join(logDir, logName), out);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

// The one file currently mutated, so every exit path can put it back.
let applied;
let current;
function restore() {
  if (!applied) return;
  writeFileSync(applied.path, applied.original);
  applied = undefined;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    current?.kill('SIGTERM');
    restore();
    console.error(`\n${sig}: source restored; run \`npm run build\` before testing again`);
    process.exit(130);
  });
}
process.on('exit', restore);

async function main() {
  const wanted = process.argv.slice(2);
  const all = loadMutations();
  const seen = new Set();
  for (const m of all) {
    if (seen.has(m.name)) throw new Error(`duplicate mutation name ${m.name} (${m.list})`);
    seen.add(m.name);
  }
  const unknown = wanted.filter((n) => !seen.has(n));
  if (unknown.length > 0) throw new Error(`no mutation named ${unknown.join(', ')}`);
  const selected = wanted.length > 0 ? all.filter((m) => wanted.includes(m.name)) : all;

  const counts = { killed: 0, survived: 0, broken: 0 };
  let mutated = 0;
  for (const m of selected) {
    const bad = problem(m);
    if (bad) {
      counts.broken++;
      console.log(`BROKEN    ${m.name}  (${m.list}): ${bad}`);
      continue;
    }
    const path = join(root, m.file);
    const original = readFileSync(path, 'utf8');
    applied = { path, original };
    let verdict;
    let detail = '';
    try {
      writeFileSync(path, original.replace(m.find, () => m.replace));
      mutated++;
      const build = await run('npm', ['run', 'build'], `${m.name}.build.log`);
      if (build.code !== 0) {
        verdict = 'broken';
        detail = `does not build (log: ${join(logDir, `${m.name}.build.log`)})`;
      } else {
        const args = ['ava', ...m.tests, ...(m.match ? ['--match', m.match] : [])];
        const test = await run('npx', args, `${m.name}.ava.log`);
        const log = join(logDir, `${m.name}.ava.log`);
        if (/Couldn.t find any (matching )?tests|No tests found|no test files/i.test(test.out)) {
          verdict = 'broken';
          detail = `no tests ran (log: ${log})`;
        } else if (test.code === 0) {
          verdict = 'survived';
          detail = `tests pass with the bug back (log: ${log})`;
        } else {
          verdict = 'killed';
          const failed = [...test.out.matchAll(/✘ (?:\[fail\]: )?(.+)/g)].map((x) => x[1].trim());
          detail = failed.length > 0 ? `by ${failed.slice(0, 2).join('; ')}${failed.length > 2 ? '; …' : ''}` : `exit ${test.code}`;
        }
      }
    } finally {
      restore();
    }
    counts[verdict]++;
    console.log(`${verdict.toUpperCase().padEnd(9)} ${m.name}  ${detail}`);
  }

  // dist/ still holds the last mutant's build until this rebuild.
  const rebuild = mutated > 0 ? await run('npm', ['run', 'build'], 'final.build.log') : { code: 0 };
  if (rebuild.code !== 0) console.log(`warning: the final rebuild failed (log: ${join(logDir, 'final.build.log')})`);
  console.log(`${selected.length} mutations, ${counts.killed} killed, ${counts.survived} survived, ${counts.broken} broken`);
  process.exitCode = counts.survived + counts.broken > 0 ? 1 : 0;
}

main().catch((err) => {
  restore();
  console.error(`mutate: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
