// The entry of the bundled CLI (dist/rdd-cli.cjs, loaded by the bin dist/rdd.cjs; see launch.ts).
import { runAndExit } from './run.js';

export { runAndExit };

/**
 * Loads the modules a client command needs without running one, so the code cache written after
 * it (at build time) already holds their compiled top-level code.
 */
export async function warmUp(): Promise<void> {
  await Promise.all([
    import('./program.js'),
    import('./daemon/start.js'),
    import('./daemon/stop.js'),
    import('./output/format.js'),
    import('./wait/run.js'),
    import('./wait/wait.js'),
  ]);
}
