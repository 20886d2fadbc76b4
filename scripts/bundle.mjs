// Bundles the `rdd` CLI into one file (dist/rdd.mjs). A client command then loads one module
// instead of a few hundred: about 100 ms less per command (see docs/cli.md). Native addons and
// packages that load files by path at run time stay external (resolved from node_modules).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const out = new URL('../dist/rdd.mjs', import.meta.url).pathname;
await build({
  entryPoints: [new URL('../dist/src/cli/main.js', import.meta.url).pathname],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  external: ['better-sqlite3', 'msgpackr-extract', 'pino', 'pino-pretty', 'bufferutil', 'utf-8-validate'],
  // CommonJS dependencies inside an ESM bundle need `require`.
  banner: { js: "import { createRequire as __rddRequire } from 'node:module'; const require = __rddRequire(import.meta.url);" },
});
chmodSync(out, 0o755);
// The status page (docs/dashboard.md) is bundled for the browser separately.
await import('./bundle-dashboard.mjs');
