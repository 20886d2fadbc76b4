// The compiled CLI entry (dist/src/cli/main.js): `rdd service start` runs it again as the daemon.
import { fileURLToPath } from 'node:url';

export const CLI_ENTRY: string = fileURLToPath(new URL('./main.js', import.meta.url));
