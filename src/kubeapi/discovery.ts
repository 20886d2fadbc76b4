// Discovery documents: /version, the legacy ones (/api, /apis, per group and group/version) and
// aggregated discovery (apidiscovery.k8s.io/v2), which kubectl asks /api and /apis for first: all
// resources in two requests instead of one per group/version.
import type { KindInfo } from '../api/index.js';
import { VERSION } from '../service/version.js';
import { categoriesOf, groupVersionOf, groupVersions, kindsIn, type GroupVersion } from './kinds.js';

/** The Kubernetes API level this surface follows (for kubectl's version-skew warning). */
export const KUBE_MAJOR = '1';
export const KUBE_MINOR = '32';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

export function versionInfo(): Record<string, string> {
  return {
    major: KUBE_MAJOR,
    minor: KUBE_MINOR,
    gitVersion: `v${KUBE_MAJOR}.${KUBE_MINOR}.0+rdd-${VERSION}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'rdd',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupBody(g: string): object {
  const versions = groupVersions()
    .filter((gv) => gv.group === g)
    .map((gv) => ({ groupVersion: gv.groupVersion, version: gv.version }));
  return { name: g, versions, preferredVersion: versions[0] };
}

function apiGroup(g: string): object {
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupBody(g) };
}

export function apiGroupList(): object {
  const groups = [...new Set(groupVersions().filter((gv) => gv.group !== '').map((gv) => gv.group))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupBody) };
}

/** The APIGroup document of a named group, or undefined when no such group is served. */
export function apiGroupDoc(group: string): object | undefined {
  return groupVersions().some((gv) => gv.group === group) ? apiGroup(group) : undefined;
}

function resourcesOf(k: KindInfo): object[] {
  const main = {
    name: k.plural,
    singularName: k.singular,
    namespaced: k.namespaced,
    kind: k.kind,
    verbs: VERBS,
    ...(k.shortNames.length > 0 ? { shortNames: k.shortNames } : {}),
    ...(categoriesOf(k).length > 0 ? { categories: categoriesOf(k) } : {}),
  };
  const status = k.statusSchema ? [{ name: `${k.plural}/status`, singularName: '', namespaced: k.namespaced, kind: k.kind, verbs: STATUS_VERBS }] : [];
  return [main, ...status];
}

/** The APIResourceList of a group/version, or undefined when it is not served. */
export function apiResourceList(gv: GroupVersion): object | undefined {
  const kinds = kindsIn(gv.groupVersion);
  if (kinds.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv.groupVersion, resources: kinds.flatMap(resourcesOf) };
}

export { groupVersionOf };

/** What kubectl 1.26+ asks /api and /apis for first. */
export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether an Accept header lists aggregated discovery (v2) before plain JSON. */
export function wantsAggregated(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(',')) {
    const params = part.split(';').map((p) => p.trim());
    if (params[0] !== 'application/json') continue;
    const as = params.find((p) => p.startsWith('as='))?.slice(3);
    if (as === undefined) return false;
    if (as === 'APIGroupDiscoveryList' && params.includes('g=apidiscovery.k8s.io') && params.includes('v=v2')) return true;
  }
  return false;
}

function resourceDiscovery(k: KindInfo): object {
  const gv = groupVersionOf(k);
  const responseKind = { group: gv.group, version: gv.version, kind: k.kind };
  return {
    resource: k.plural,
    responseKind,
    scope: k.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: k.singular,
    verbs: VERBS,
    ...(k.shortNames.length > 0 ? { shortNames: k.shortNames } : {}),
    ...(categoriesOf(k).length > 0 ? { categories: categoriesOf(k) } : {}),
    ...(k.statusSchema ? { subresources: [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }] } : {}),
  };
}

/** Aggregated discovery: the core group (`/api`) or every named group (`/apis`) in one document. */
export function aggregatedDiscovery(core: boolean): object {
  const gvs = groupVersions().filter((gv) => (gv.group === '') === core);
  const groups = [...new Set(gvs.map((gv) => gv.group))];
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({
      metadata: g === '' ? {} : { name: g },
      versions: gvs
        .filter((gv) => gv.group === g)
        .map((gv) => ({ version: gv.version, resources: kindsIn(gv.groupVersion).map(resourceDiscovery), freshness: 'Current' })),
    })),
  };
}
