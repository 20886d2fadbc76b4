// URL paths of the Kubernetes API, parsed into what they address.
import type { KindInfo } from '../api/index.js';
import { groupVersions, kindForResource, type GroupVersion } from './kinds.js';

export type Route =
  | { readonly t: 'version' }
  | { readonly t: 'health' }
  | { readonly t: 'api' }
  | { readonly t: 'apis' }
  | { readonly t: 'group'; readonly group: string }
  | { readonly t: 'groupVersion'; readonly gv: GroupVersion }
  | { readonly t: 'openapiRoot' }
  | { readonly t: 'openapi'; readonly gv: GroupVersion }
  | {
      readonly t: 'resource';
      readonly kind: KindInfo;
      /** From /namespaces/<ns>/…; undefined for every namespace or cluster scope. */
      readonly namespace?: string;
      readonly name?: string;
      readonly subresource?: string;
    }
  | { readonly t: 'unknownResource'; readonly gv: GroupVersion; readonly resource: string }
  | { readonly t: 'notFound' };

const HEALTH = new Set(['/healthz', '/livez', '/readyz']);

function findGv(group: string, version: string): GroupVersion | undefined {
  return groupVersions().find((gv) => gv.group === group && gv.version === version);
}

function resourceRoute(gv: GroupVersion, rest: string[]): Route {
  let namespace: string | undefined;
  let parts = rest;
  // /namespaces/<ns>/<resource>… addresses a namespaced resource; /namespaces[/<name>[/status]] is the Namespace kind.
  if (parts[0] === 'namespaces' && parts.length >= 3 && !(parts.length === 3 && parts[2] === 'status' && gv.group === '')) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const [resource, name, subresource, ...extra] = parts;
  if (resource === undefined || extra.length > 0) return { t: 'notFound' };
  const kind = kindForResource(gv.groupVersion, resource);
  if (!kind) return { t: 'unknownResource', gv, resource };
  if (namespace !== undefined && !kind.namespaced) return { t: 'notFound' };
  return {
    t: 'resource',
    kind,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

export function route(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/version') return { t: 'version' };
  if (HEALTH.has(path) || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')) return { t: 'health' };
  if (path === '/api') return { t: 'api' };
  if (path === '/apis') return { t: 'apis' };
  if (path === '/openapi/v3') return { t: 'openapiRoot' };
  let segs: string[];
  try {
    segs = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return { t: 'notFound' };
  }
  if (segs[0] === 'openapi' && segs[1] === 'v3') {
    const gv = segs[2] === 'api' ? findGv('', segs[3] ?? '') : segs[2] === 'apis' ? findGv(segs[3] ?? '', segs[4] ?? '') : undefined;
    const len = segs[2] === 'api' ? 4 : 5;
    return gv && segs.length === len ? { t: 'openapi', gv } : { t: 'notFound' };
  }
  if (segs[0] === 'api') {
    const gv = findGv('', segs[1] ?? '');
    if (!gv) return { t: 'notFound' };
    return segs.length === 2 ? { t: 'groupVersion', gv } : resourceRoute(gv, segs.slice(2));
  }
  if (segs[0] === 'apis' && segs[1] !== undefined) {
    if (segs.length === 2) return groupVersions().some((gv) => gv.group === segs[1]) ? { t: 'group', group: segs[1] } : { t: 'notFound' };
    const gv = findGv(segs[1], segs[2] ?? '');
    if (!gv) return { t: 'notFound' };
    return segs.length === 3 ? { t: 'groupVersion', gv } : resourceRoute(gv, segs.slice(3));
  }
  return { t: 'notFound' };
}
