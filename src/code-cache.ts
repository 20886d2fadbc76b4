// Runs one of rdd's bundles from a V8 code cache. Node 20 has no compile cache for modules
// (module.enableCompileCache is Node 22), but vm.Script accepts V8 cached data, so a bundle is a
// CommonJS function expression run through vm.Script (see scripts/bundle.mjs). V8 checks the cache
// against the source and its own version and flags, so a stale cache costs only a normal compile.
// Used by the launchers of the `rdd` bin (src/cli/launch.ts) and of the Lima simulator
// (src/sim/launch.ts); it imports nothing from src/.
import { createRequire } from 'node:module';

// Built-ins through require: an ESM import of node:fs builds its module facade, which reads every
// export, and fs.ReadStream's getter alone loads Node's stream modules (~5 ms).
const require = createRequire(import.meta.url);
const { readFileSync, renameSync, unlinkSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
const { dirname } = require('node:path') as typeof import('node:path');
const { pathToFileURL } = require('node:url') as typeof import('node:url');
const { Script } = require('node:vm') as typeof import('node:vm');
type Script = import('node:vm').Script;

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
