// The kind registry: scope, names and schemas of every resource kind the daemon serves.
import type { TSchema } from '@sinclair/typebox';
import { APP_API_VERSION, APP_KIND, AppSpecSchema, AppStatusSchema } from './resources/app.js';
import { LIMAVM_API_VERSION, LIMAVM_KIND, LimaVMSpecSchema, LimaVMStatusSchema } from './resources/limavm.js';
import {
  CONFIGMAP_KIND,
  CORE_API_VERSION,
  ConfigMapDataSchema,
  NAMESPACE_KIND,
  NamespaceStatusSchema,
} from './resources/configmap.js';

export interface KindInfo {
  readonly kind: string;
  readonly apiVersion: string;
  /** `apps.app.rancherdesktop.io`-style name used in messages (plural.group, or plural for core). */
  readonly resource: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  /** Top-level fields other than metadata/status that the schema covers (spec or data). */
  readonly specField?: 'spec' | 'data';
  readonly specSchema?: TSchema;
  readonly statusSchema?: TSchema;
  /** Whether `spec` must be present on create. */
  readonly specRequired: boolean;
}

function resourceName(plural: string, apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? plural : `${plural}.${apiVersion.slice(0, slash)}`;
}

function kind(k: Omit<KindInfo, 'resource'>): KindInfo {
  return { ...k, resource: resourceName(k.plural, k.apiVersion) };
}

export const KINDS: readonly KindInfo[] = [
  kind({
    kind: NAMESPACE_KIND,
    apiVersion: CORE_API_VERSION,
    plural: 'namespaces',
    singular: 'namespace',
    shortNames: ['ns'],
    namespaced: false,
    statusSchema: NamespaceStatusSchema,
    specRequired: false,
  }),
  kind({
    kind: CONFIGMAP_KIND,
    apiVersion: CORE_API_VERSION,
    plural: 'configmaps',
    singular: 'configmap',
    shortNames: ['cm'],
    namespaced: true,
    specField: 'data',
    specSchema: ConfigMapDataSchema,
    specRequired: false,
  }),
  kind({
    kind: APP_KIND,
    apiVersion: APP_API_VERSION,
    plural: 'apps',
    singular: 'app',
    shortNames: [],
    namespaced: false,
    specField: 'spec',
    specSchema: AppSpecSchema,
    statusSchema: AppStatusSchema,
    specRequired: true,
  }),
  kind({
    kind: LIMAVM_KIND,
    apiVersion: LIMAVM_API_VERSION,
    plural: 'limavms',
    singular: 'limavm',
    shortNames: ['vm', 'lima'],
    namespaced: true,
    specField: 'spec',
    specSchema: LimaVMSpecSchema,
    statusSchema: LimaVMStatusSchema,
    specRequired: true,
  }),
];

const byKind = new Map(KINDS.map((k) => [k.kind, k]));
const byAnyName = new Map<string, KindInfo>();
for (const k of KINDS) {
  for (const n of [k.kind, k.plural, k.singular, k.resource, ...k.shortNames]) byAnyName.set(n.toLowerCase(), k);
}

/** The registry entry for an exact kind name, or undefined. */
export function kindInfo(kindName: string): KindInfo | undefined {
  return byKind.get(kindName);
}

/** Resolves what a user typed (`vm`, `limavms`, `LimaVM`, `apps.app.rancherdesktop.io`). */
export function resolveKind(userName: string): KindInfo | undefined {
  return byAnyName.get(userName.toLowerCase());
}
