// Builds the status page into dist/dashboard/: index.html and app.css as they are, and app.js, the
// page plus the project's client library, bundled from the TypeScript sources for the browser.
// Node-only modules are swapped for small browser stand-ins in src/dashboard/browser/.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const root = new URL('../', import.meta.url).pathname;
const browser = `${root}src/dashboard/browser/`;
const out = `${root}dist/dashboard/`;
mkdirSync(out, { recursive: true });

const swaps = {
  name: 'browser-swaps',
  setup(b) {
    b.onResolve({ filter: /^ws$/ }, () => ({ path: `${browser}ws-shim.ts` }));
    b.onResolve({ filter: /^msgpackr$/ }, () => ({ path: `${browser}msgpack-stub.ts` }));
    b.onResolve({ filter: /\/endpoint\.js$/ }, () => ({ path: `${browser}endpoint-stub.ts` }));
  },
};

await build({
  entryPoints: [`${browser}main.ts`],
  outfile: `${out}app.js`,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'chrome110',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
  inject: [`${browser}node-globals.ts`],
  plugins: [swaps],
});
for (const f of ['index.html', 'app.css']) copyFileSync(`${root}src/dashboard/static/${f}`, `${out}${f}`);
