// Bundles the `rdd` CLI: dist/rdd-cli.cjs holds the client commands and their dependencies, and
// dist/rdd.cjs (the bin, src/cli/launch.ts) runs it from a V8 code cache, dist/rdd-cli.cjs.cache,
// written here. A client command then loads one precompiled script instead of a few hundred
// modules (see docs/cli.md). The daemon (`rdd service serve`: store, actors, Lima driver,
// Kubernetes API) is a second bundle, dist/rdd-daemon.cjs, loaded only by that command, so a
// client never reads it. The Lima simulator is a third (dist/limactl-sim.cjs runs it).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dist = (p) => new URL(`../dist/${p}`, import.meta.url).pathname;
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
// Native addons and packages that load files by path at run time stay external (resolved from node_modules).
const external = ['better-sqlite3', 'msgpackr-extract', 'pino', 'pino-pretty', 'bufferutil', 'utf-8-validate'];
// msgpackr's Node entry loads its native string extractor (msgpackr-extract, through
// node-gyp-build: ~10 ms of file system probing per command); the portable entry decodes the
// same frames and is fast enough for one command's replies.
const alias = { msgpackr: new URL('../node_modules/msgpackr/index.js', import.meta.url).pathname };

/**
 * The client bundle reaches the daemon only through `import('…/service/serve.js')`: it becomes a
 * load of the daemon bundle beside it through the bin's loadCached (src/cli/launch.ts), from its
 * own code cache (a vm.Script has no dynamic import()).
 */
const daemonApart = {
  name: 'daemon-apart',
  setup(b) {
    b.onResolve({ filter: /\/service\/serve\.js$/ }, () => ({ path: 'serve', namespace: 'rdd-daemon' }));
    b.onLoad({ filter: /.*/, namespace: 'rdd-daemon' }, () => ({
      contents: 'const { join } = require("node:path");\nmodule.exports = require(join(__dirname, "rdd.cjs")).loadCached(join(__dirname, "rdd-daemon.cjs"));',
      loader: 'js',
    }));
  },
};

/**
 * Node built-ins that the client path imports but uses only on branches a client command does not
 * take (wss:, compression, commander's executable subcommands): each becomes a proxy that requires
 * the module on first use. Loading https and tls alone cost about 10 ms of a 120 ms command.
 */
const LAZY_BUILTINS = ['https', 'tls', 'zlib', 'child_process'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`) }, (a) =>
      // The proxy's own require is the real built-in.
      a.namespace === 'lazy-builtin' ? { path: a.path, external: true } : { path: a.path.replace(/^node:/, ''), namespace: 'lazy-builtin' });
    // The export names are read here, at build time, so bundled ES imports (esbuild's __toESM copies
    // every name as a getter) do not load the module either.
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (a) => ({
      loader: 'js',
      contents: `const names = ${JSON.stringify(Object.keys(require(`node:${a.path}`)))};
let m;
const load = () => (m ??= require('node:${a.path}'));
module.exports = new Proxy({}, {
  get: (_t, k) => load()[k],
  has: (_t, k) => names.includes(k),
  ownKeys: () => names,
  getOwnPropertyDescriptor: (_t, k) => (names.includes(k) ? { get: () => load()[k], enumerable: true, configurable: true } : undefined),
});`,
    }));
    // The client needs ws's WebSocket only; ws's entry also loads its server (and node:http's).
    b.onResolve({ filter: /^ws$/ }, () => ({ path: 'ws', namespace: 'ws-client' }));
    b.onLoad({ filter: /.*/, namespace: 'ws-client' }, () => ({
      loader: 'js',
      resolveDir: new URL('../node_modules/ws/', import.meta.url).pathname,
      contents: `const WebSocket = require('./lib/websocket.js');\nmodule.exports = { WebSocket, default: WebSocket };`,
    }));
  },
};

/** One CommonJS file built from a compiled entry in dist/. */
const cjs = (entry, outfile, options) => build({ ...common, entryPoints: [dist(entry)], outfile: dist(outfile), format: 'cjs', ...options });

/**
 * A bundle run through loadCached (src/code-cache.ts): CommonJS, because vm.Script (the only
 * code cache Node 20 offers) runs scripts, not modules; one function expression, so the launcher
 * compiles the file as read (no wrapping copy); the launcher passes the bundle's URL as
 * import.meta.url (package-root.ts finds the package from it).
 */
const cachedBundle = (entry, outfile, plugins = []) =>
  cjs(entry, outfile, {
    banner: { js: '(function (exports, require, module, __filename, __dirname, __rddImportMetaUrl) {' },
    footer: { js: '})' },
    define: { 'import.meta.url': '__rddImportMetaUrl' },
    alias,
    external,
    plugins,
  });

await cachedBundle('src/cli/bundle-entry.js', 'rdd-cli.cjs', [daemonApart, lazyBuiltins]);
// The daemon, beside rdd-cli.cjs (so the package-relative paths resolve alike), loaded by `rdd service serve` only.
await cachedBundle('src/service/serve.js', 'rdd-daemon.cjs');

// The launchers are CommonJS too: Node starts a CommonJS main without its ES module loader, which
// costs about 9 ms of a client command (resolving and translating the entry as a module).
const launcher = (entry, outfile) =>
  cjs(entry, outfile, {
    banner: { js: '#!/usr/bin/env node\nvar __rddLaunchUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__rddLaunchUrl' },
  });
await launcher('src/cli/launch.js', 'rdd.cjs');
chmodSync(dist('rdd.cjs'), 0o755);
rmSync(dist('rdd.mjs'), { force: true }); // the bin before it was CommonJS

// The Lima simulator, bundled and cached the same way (src/sim/launch.ts); dist/src/sim/main.js
// stays the same program unbundled.
await cachedBundle('src/sim/main.js', 'limactl-sim.bundle.cjs');
await launcher('src/sim/launch.js', 'limactl-sim.cjs');
chmodSync(dist('limactl-sim.cjs'), 0o755);

// Fresh caches for the bundles: the client path's module code (launch.ts, warmUp), the daemon's
// modules, and the simulator's (after a `list` and a `validate`, the calls rdd makes most).
for (const f of ['rdd.cjs.cache', 'rdd-cli.cjs.cache', 'rdd-daemon.cjs.cache', 'limactl-sim.bundle.cjs.cache']) rmSync(dist(f), { force: true });
const r = spawnSync(process.execPath, [dist('rdd.cjs')], { env: { ...process.env, RDD_WARM_CODE_CACHE: 'daemon' }, stdio: 'inherit' });
if (r.status !== 0) throw new Error(`writing the CLI code cache failed (exit ${String(r.status)})`);
const limaHome = mkdtempSync(join(tmpdir(), 'rdd-build-lima-'));
try {
  const template = join(limaHome, 'vm.yaml');
  writeFileSync(template, 'images:\n  - location: /etc/profile\n');
  for (const args of [['list', '--json'], ['validate', template]]) {
    const s = spawnSync(process.execPath, [dist('limactl-sim.cjs'), '--log-format=json', ...args], {
      env: { ...process.env, LIMA_HOME: limaHome, RDD_WARM_CODE_CACHE: 'sim' },
      encoding: 'utf8',
    });
    if (s.status !== 0) throw new Error(`writing the simulator's code cache failed (limactl ${args.join(' ')}: exit ${String(s.status)}): ${s.stderr}`);
  }
} finally {
  rmSync(limaHome, { recursive: true, force: true });
}

// The status page (docs/dashboard.md) is bundled for the browser separately.
await import('./bundle-dashboard.mjs');
