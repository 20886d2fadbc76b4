// Built-in modules a client command loads only when it uses them: node:child_process costs
// ~3 ms to load, and only starting a daemon or `limavm shell` spawns anything.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function childProcess(): typeof import('node:child_process') {
  return require('node:child_process') as typeof import('node:child_process');
}
