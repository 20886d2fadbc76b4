// dist/rdd.cjs, the `rdd` bin: runs the bundled client (dist/rdd-cli.cjs) from a V8 code cache.
//
// Why: compiling the bundle was the largest single cost of a client command (about 50 ms of
// ~200 ms, docs/cli.md). Node 20 has no compile cache for modules (module.enableCompileCache is
// Node 22), but vm.Script accepts V8 cached data, so the bundle is CommonJS run through
// vm.Script. The cache is written at build time (scripts/bundle.mjs) and rewritten by the first
// command that finds it missing or rejected (another Node or V8 version); V8 checks it against
// the source and its own version and flags, so a stale cache costs only a normal compile.
import { createRequire } from 'node:module';

// Built-ins through require: an ESM import of node:fs builds its module facade, which reads every
// export, and fs.ReadStream's getter alone loads Node's stream modules (~5 ms).
const require = createRequire(import.meta.url);
const { readFileSync, renameSync, unlinkSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
const { dirname } = require('node:path') as typeof import('node:path');
const { fileURLToPath, pathToFileURL } = require('node:url') as typeof import('node:url');
const { Script } = require('node:vm') as typeof import('node:vm');
type Script = import('node:vm').Script;

interface ClientExports {
  runAndExit(): Promise<never>;
  warmUp(): Promise<void>;
}

/**
 * Runs one of rdd's bundles (a CommonJS function expression: CommonJS's parameters plus its
 * import.meta.url; see scripts/bundle.mjs) from its V8 code cache `<file>.cache`, and returns its
 * exports. The file is compiled as read: no wrapping copy of its source. The cache is (re)written
 * at exit when it was missing or rejected, or when `rewrite` says so, so it also holds the
 * functions this run compiled.
 */
export function loadCached(file: string, rewrite = false): unknown {
  const cacheFile = `${file}.cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(readFileSync(file, 'utf8'), { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (rewrite || cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => writeCache(script, cacheFile));
  }
  const mod = { exports: {} };
  const init = script.runInThisContext() as (...args: unknown[]) => void;
  init(mod.exports, createRequire(file), mod, file, dirname(file), pathToFileURL(file).href);
  return mod.exports;
}

function writeCache(script: Script, cacheFile: string): void {
  // Atomic, so concurrent commands never read half a cache; a read-only install just skips it.
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing written
    }
  }
}

// RDD_WARM_CODE_CACHE (set by the build): 'client' loads the client's modules without running a
// command, 'daemon' also loads the daemon bundle; each writes its cache.
const warm = process.env.RDD_WARM_CODE_CACHE;
const client = loadCached(fileURLToPath(new URL('./rdd-cli.cjs', import.meta.url)), warm !== undefined) as ClientExports;
if (warm === 'daemon') loadCached(fileURLToPath(new URL('./rdd-daemon.cjs', import.meta.url)), true);
// No top-level await: the bin is CommonJS (see scripts/bundle.mjs), which Node loads without its ES module loader.
void (warm !== undefined ? client.warmUp() : client.runAndExit());
