// The daemon's entry: `rdd service start` runs `node dist/rdd.cjs service serve --foreground`.
// The bundle (run from its code cache, see launch.ts) starts the daemon in about half the time
// the compiled tree takes, whose few hundred ES modules are resolved and compiled one by one
// (bench/daemon).
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export const CLI_ENTRY: string = join(packageRoot(), 'dist', 'rdd.cjs');
