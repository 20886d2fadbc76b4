// The daemon's and CLI's version, from package.json (the CLI refuses an incompatible daemon).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };

export const VERSION: string = pkg.version;
