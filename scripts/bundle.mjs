// Bundles the `rdd` CLI: dist/rdd.cjs holds the CLI and its dependencies, dist/rdd.mjs (the bin,
// src/cli/launch.ts) runs it from a V8 code cache, dist/rdd.cjs.cache, written here. A client
// command then loads one precompiled script instead of a few hundred modules (see docs/cli.md).
// Native addons and packages that load files by path at run time stay external (resolved from
// node_modules).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).pathname;
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };

// CommonJS, because vm.Script (the only code cache Node 20 offers) runs scripts, not modules.
await build({
  ...common,
  entryPoints: [dist('src/cli/bundle-entry.js')],
  outfile: dist('rdd.cjs'),
  format: 'cjs',
  // One function expression, so the launcher compiles the file as read (no wrapping copy).
  banner: { js: '(function (exports, require, module, __filename, __dirname, __rddImportMetaUrl) {' },
  footer: { js: '})' },
  // The launcher passes the bundle's URL (package-root.ts finds the package from it).
  define: { 'import.meta.url': '__rddImportMetaUrl' },
  // msgpackr's Node entry loads its native string extractor (msgpackr-extract, through
  // node-gyp-build: ~10 ms of file system probing per command); the portable entry decodes the
  // same frames and is fast enough for one command's replies.
  alias: { msgpackr: new URL('../node_modules/msgpackr/index.js', import.meta.url).pathname },
  external: ['better-sqlite3', 'msgpackr-extract', 'pino', 'pino-pretty', 'bufferutil', 'utf-8-validate'],
});

await build({ ...common, entryPoints: [dist('src/cli/launch.js')], outfile: dist('rdd.mjs'), format: 'esm', banner: { js: '#!/usr/bin/env node' } });
chmodSync(dist('rdd.mjs'), 0o755);

// A fresh cache for this bundle, holding the client path's module code (launch.ts, warmUp).
rmSync(dist('rdd.cjs.cache'), { force: true });
const r = spawnSync(process.execPath, [dist('rdd.mjs')], { env: { ...process.env, RDD_WARM_CODE_CACHE: '1' }, stdio: 'inherit' });
if (r.status !== 0) throw new Error(`writing the CLI code cache failed (exit ${String(r.status)})`);

// The status page (docs/dashboard.md) is bundled for the browser separately.
await import('./bundle-dashboard.mjs');
