// Files shipped beside the code in templates/: the App's Lima template and the k3s versions list.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { K3sVersions } from '../../api/k3s-versions.js';
import { packageRoot } from '../../package-root.js';

export function templatesDir(): string {
  return join(packageRoot(), 'templates');
}

export function readTemplateAsset(file: string): string {
  return readFileSync(join(templatesDir(), file), 'utf8');
}

/** The bundled k3s versions list. */
export function loadK3sVersions(): K3sVersions {
  return JSON.parse(readTemplateAsset('k3s-versions.json')) as K3sVersions;
}
