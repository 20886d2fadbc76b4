// dist/limactl-sim.cjs, the Lima simulator as rdd runs it: the simulator bundled into one script
// (dist/limactl-sim.bundle.cjs) and run from its V8 code cache, as the `rdd` bin runs the client.
// A test run spawns the simulator hundreds of times; loading its ~40 modules one by one cost
// about a third of each call (docs/testing.md). dist/src/sim/main.js is the same program unbundled.
import { createRequire } from 'node:module';
import { loadCached } from '../code-cache.js';

const require = createRequire(import.meta.url);
const { fileURLToPath } = require('node:url') as typeof import('node:url');

// Writes the cache when it is missing; RDD_WARM_CODE_CACHE (the build) rewrites it after a run.
loadCached(fileURLToPath(new URL('./limactl-sim.bundle.cjs', import.meta.url)), process.env.RDD_WARM_CODE_CACHE !== undefined);
