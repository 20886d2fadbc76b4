// dist/rdd.cjs, the `rdd` bin: runs the bundled client (dist/rdd-cli.cjs) from a V8 code cache.
//
// Why: compiling the bundle was the largest single cost of a client command (about 50 ms of
// ~200 ms, docs/cli.md). The cache is written at build time (scripts/bundle.mjs) and rewritten by
// the first command that finds it missing or rejected (another Node or V8 version).
import { createRequire } from 'node:module';
import { loadCached } from '../code-cache.js';

// The client bundle loads the daemon bundle through this bin's loadCached (scripts/bundle.mjs).
export { loadCached };

const require = createRequire(import.meta.url);
const { fileURLToPath } = require('node:url') as typeof import('node:url');

interface ClientExports {
  runAndExit(): Promise<never>;
  warmUp(): Promise<void>;
}

// RDD_WARM_CODE_CACHE (set by the build): 'client' loads the client's modules without running a
// command, 'daemon' also loads the daemon bundle; each writes its cache.
const warm = process.env.RDD_WARM_CODE_CACHE;
const client = loadCached(fileURLToPath(new URL('./rdd-cli.cjs', import.meta.url)), warm !== undefined) as ClientExports;
if (warm === 'daemon') loadCached(fileURLToPath(new URL('./rdd-daemon.cjs', import.meta.url)), true);
// No top-level await: the bin is CommonJS (see scripts/bundle.mjs), which Node loads without its ES module loader.
void (warm !== undefined ? client.warmUp() : client.runAndExit());
