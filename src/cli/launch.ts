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

interface BundleExports {
  runAndExit(): Promise<never>;
  warmUp(): Promise<void>;
}

const bundle = fileURLToPath(new URL('./rdd-cli.cjs', import.meta.url));
const cacheFile = `${bundle}.cache`;

function readCache(): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

function writeCache(script: Script): void {
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

const cachedData = readCache();
// The bundle is one function expression (CommonJS's parameters plus its import.meta.url; see
// scripts/bundle.mjs), compiled as read: no wrapping copy of 2 MB of source.
const source = readFileSync(bundle, 'utf8');
const script = new Script(source, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
const warm = process.env.RDD_WARM_CODE_CACHE === '1';
if (warm || cachedData === undefined || script.cachedDataRejected === true) {
  // After the command, so the cache also holds the functions it compiled.
  process.once('exit', () => writeCache(script));
}
const mod = { exports: {} as BundleExports };
const init = script.runInThisContext() as (...args: unknown[]) => void;
init(mod.exports, createRequire(bundle), mod, bundle, dirname(bundle), pathToFileURL(bundle).href);
// No top-level await: the bin is CommonJS (see scripts/bundle.mjs), which Node loads without its ES module loader.
void (warm ? mod.exports.warmUp() : mod.exports.runAndExit());
