// Files shipped beside the code in templates/: the App's Lima template and the k3s versions list.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// dist/src/actors/app/assets.js and src/actors/app/assets.ts are both four levels below the root.
const root = new URL('../../../../', import.meta.url);

export function templatesDir(): string {
  return fileURLToPath(new URL('templates/', root));
}

export function readTemplateAsset(file: string): string {
  return readFileSync(new URL(`templates/${file}`, root), 'utf8');
}

/** The bundled k3s versions list. */
export function loadK3sVersions(): import('../../api/k3s-versions.js').K3sVersions {
  return JSON.parse(readTemplateAsset('k3s-versions.json')) as import('../../api/k3s-versions.js').K3sVersions;
}
