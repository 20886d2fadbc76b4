// Bundles each test file (test/**/*.test.ts) over tsc's output of it, dist/test/**/*.test.js, with
// the source it imports. An ava worker then loads a few files instead of about 600 ES modules
// (ours, TypeBox's, execa's): that load was about 0.3 s of CPU for each test file that imports the
// daemon's core (docs/testing.md). The input is the TypeScript, not dist/, so a bundle never
// inlines an older bundle. Code shared by several test files goes to dist/test/chunks/.
// Helpers, fixtures (run as their own processes) and src stay as tsc wrote them.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'test');

const entries = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.ts')) entries.push(p);
  }
};
walk(testDir);

const outdir = join(root, 'dist', 'test');
rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
// tsc leaves the output of a deleted test file behind; ava would still run it.
const sources = new Set(entries.map((e) => relative(testDir, e).replace(/\.ts$/, '.js')));
const prune = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) prune(p);
    else if (e.name.endsWith('.test.js') && !sources.has(relative(outdir, p))) for (const f of [p, `${p}.map`]) rmSync(f, { force: true });
  }
};
prune(outdir);
await build({
  entryPoints: entries,
  outbase: testDir,
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  allowOverwrite: true,
  logLevel: 'warning',
  // CommonJS packages inside an ES module bundle call require; each output file gets its own.
  banner: { js: 'import { createRequire as __rddCreateRequire } from "node:module"; const require = __rddCreateRequire(import.meta.url);' },
  // ava must be the runner's own instance; native addons, packages that load their own files by
  // path at run time, and the large test-only clients stay in node_modules.
  external: [
    'ava',
    'better-sqlite3',
    'msgpackr-extract',
    'pino',
    'pino-pretty',
    'bufferutil',
    'utf-8-validate',
    'playwright-core',
    '@kubernetes/client-node',
    'fast-check',
  ],
});
console.log(`bundled ${String(entries.length)} test files into ${relative(root, outdir)}`);
