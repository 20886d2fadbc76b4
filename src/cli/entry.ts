// The compiled (unbundled) CLI entry: `rdd service start` runs it as the daemon. The daemon starts
// once and runs long, so it gains nothing from the bundle the short-lived client commands use.
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export const CLI_ENTRY: string = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
