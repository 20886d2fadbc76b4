// Where the installed package lives, found from this module's location by walking up to rdd's
// package.json. Assets (templates/, the simulator, package.json) resolve from here, so the code
// works the same from dist/src/** and from the bundles (dist/rdd-cli.cjs, dist/rdd-daemon.cjs).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'rdd') return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the rdd package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
