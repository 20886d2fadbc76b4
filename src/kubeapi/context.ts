// What the resource handlers share: the context they run in, the object they address, what
// they answer, and the checks every item request makes.
import { ApiError, type KindInfo } from '../api/index.js';
import type { Api } from '../admission/types.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import type { OutboundLimits } from '../transport/server/outbound.js';
import { kubeError } from './status.js';
import type { LineCache, OpenWatch } from './watch.js';

export interface KubeLimits extends OutboundLimits {
  /** Largest request body (the gateway's maxPayload). */
  readonly maxBodyBytes: number;
  /** Open watches across all connections; more is 429. */
  readonly maxWatches: number;
  readonly bookmarkMs: number;
}

export interface ResourceContext {
  readonly api: Api;
  readonly store: Store;
  readonly log: Logger;
  readonly limits: KubeLimits;
  readonly watches: Set<OpenWatch>;
  readonly lines: LineCache;
}

export interface ResourceTarget {
  readonly kind: KindInfo;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

/** What a handler answers: a status code, a JSON body and warnings for the Warning header. */
export interface Reply {
  readonly code: number;
  readonly body: unknown;
  readonly warnings?: readonly string[];
}

export function notServed(message: string): ApiError {
  return kubeError(404, 'NotFound', message);
}

export function methodNotAllowed(method: string, what: string): ApiError {
  return kubeError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method} ${what}`);
}

export function namespaceOf(t: ResourceTarget): string {
  return t.kind.namespaced ? (t.namespace ?? '') : '';
}

/** Requests on one object need its namespace in the URL (namespaced kinds) and its name. */
export function itemTarget(t: ResourceTarget, method: string): { ns: string; name: string } {
  if (t.name === undefined) throw methodNotAllowed(method, t.kind.plural);
  if (t.kind.namespaced && t.namespace === undefined) {
    throw notServed(`${t.kind.resource} is namespaced: use /…/namespaces/<namespace>/${t.kind.plural}/${t.name}`);
  }
  return { ns: namespaceOf(t), name: t.name };
}
