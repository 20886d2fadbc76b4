// `rdd limavm create NAME TEMPLATE`: TEMPLATE names a ConfigMap when it is a DNS-1123 subdomain and
// no file of that name exists; anything else is a file path. So `tmpl.yaml` is a ConfigMap name
// unless ./tmpl.yaml exists, in which case the file wins.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { dns1123SubdomainErrors } from '../api/index.js';

export type TemplateArg = { readonly kind: 'configmap'; readonly name: string } | { readonly kind: 'file'; readonly path: string };

export function classifyTemplateArg(arg: string, cwd = process.cwd(), exists: (p: string) => boolean = existsSync): TemplateArg {
  const path = resolve(cwd, arg);
  if (dns1123SubdomainErrors(arg).length === 0 && !exists(path)) return { kind: 'configmap', name: arg };
  return { kind: 'file', path };
}
