// Resource endpoints: get, list, watch, create, update, patch, delete, deletecollection and the
// status subresource. Reads go to the store, writes through the admission Api: the same paths
// the WebSocket gateway uses, so both front doors store, admit and announce alike.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { itemTarget, methodNotAllowed, notServed, type Reply, type ResourceContext, type ResourceTarget } from './context.js';
import { parseBool } from './query.js';
import { get, list, watch } from './reads.js';
import { create, patch, remove, removeCollection, replace } from './writes.js';

export type { KubeLimits, Reply, ResourceContext, ResourceTarget } from './context.js';

/**
 * Serves one resource request. Returns a Reply, or 'streaming' when a watch took over the
 * response. Throws ApiError for every failure.
 */
export async function handleResource(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceTarget,
  q: URLSearchParams,
): Promise<Reply | 'streaming'> {
  const method = req.method ?? 'GET';
  if (t.subresource !== undefined && t.subresource !== 'status') {
    throw notServed(`the server could not find the requested resource: ${t.kind.plural}/${t.subresource} is not served (only status)`);
  }
  if (t.subresource === 'status') {
    if (!t.kind.statusSchema) throw notServed(`${t.kind.resource} has no status subresource`);
    if (method === 'GET') return get(ctx, req, t, q);
    if (method === 'PUT') return replace(ctx, req, t, q);
    if (method === 'PATCH') return patch(ctx, req, t, q);
    throw methodNotAllowed(method, `${t.kind.plural}/status`);
  }
  const isWatch = parseBool(q, 'watch') === true;
  if (t.name === undefined) {
    if (method === 'GET') {
      if (isWatch) {
        watch(ctx, req, res, t, q);
        return 'streaming';
      }
      return list(ctx, req, t, q);
    }
    if (method === 'POST') return create(ctx, req, t, q);
    if (method === 'DELETE') return removeCollection(ctx, req, t, q);
    throw methodNotAllowed(method, t.kind.plural);
  }
  switch (method) {
    case 'GET':
      if (isWatch) {
        itemTarget(t, 'GET');
        watch(ctx, req, res, t, q);
        return 'streaming';
      }
      return get(ctx, req, t, q);
    case 'PUT':
      return replace(ctx, req, t, q);
    case 'PATCH':
      return patch(ctx, req, t, q);
    case 'DELETE':
      return remove(ctx, req, t, q);
    default:
      throw methodNotAllowed(method, `${t.kind.plural}/${t.name}`);
  }
}

