// Reads: get, list (selectors, paging, resourceVersion rules, tables) and watch. They go to the
// store directly, as the gateway's reads do.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors, type KindInfo, type Resource } from '../api/index.js';
import { parseSelector } from '../store/index.js';
import type { Store } from '../store/types.js';
import { itemTarget, type Reply, type ResourceContext, type ResourceTarget } from './context.js';
import {
  decodeContinue,
  encodeContinue,
  fieldsMatch,
  parseBool,
  parseFieldSelector,
  parseNonNegativeInt,
  pinnedName,
  pinnedNamespace,
} from './query.js';
import { parseIncludeObject, toTable, wantsTable } from './table.js';
import { serveWatch, type OpenWatch } from './watch.js';

function listKind(k: KindInfo): string {
  return `${k.kind}List`;
}

function sortKey(o: Resource): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** resourceVersion semantics of a list: only the current revision can be served (no history reads). */
function checkListRv(store: Store, q: URLSearchParams): void {
  const rv = q.get('resourceVersion') ?? '';
  const match = q.get('resourceVersionMatch') ?? '';
  if (match !== '' && match !== 'NotOlderThan' && match !== 'Exact') {
    throw errors.badRequest(`invalid resourceVersionMatch "${match}": want NotOlderThan or Exact`);
  }
  if (rv === '' || rv === '0') {
    if (match === 'Exact') throw errors.badRequest('resourceVersionMatch=Exact needs a resourceVersion other than "0"');
    return;
  }
  if (!/^[0-9]+$/.test(rv)) throw errors.badRequest(`invalid resourceVersion "${rv}": resourceVersions are decimal integers`);
  const n = Number(rv);
  const current = store.currentRevision();
  if (n > current) {
    throw new ApiError(504, 'Timeout', `Too large resource version: ${n}, current: ${current}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    });
  }
  if (match === 'Exact' && n !== current) {
    throw new ApiError(410, 'Expired', `The resourceVersion for the provided list is too old: rdd serves lists at the current revision (${current}) only; list without resourceVersionMatch=Exact`);
  }
}

interface ListPage {
  readonly items: Resource[];
  readonly resourceVersion: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export function listPage(ctx: ResourceContext, t: ResourceTarget, q: URLSearchParams): ListPage {
  const fields = parseFieldSelector(q.get('fieldSelector'), t.kind);
  const labelSelector = q.get('labelSelector') ?? undefined;
  const limit = parseNonNegativeInt(q, 'limit') ?? 0;
  const token = q.get('continue');
  const cont = token ? decodeContinue(token) : undefined;
  if (cont && cont.rv < ctx.store.compactedRevision()) {
    throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
  }
  if (!cont) checkListRv(ctx.store, q);
  const ns = t.kind.namespaced ? (t.namespace ?? pinnedNamespace(fields)) : undefined;
  const name = pinnedName(fields);
  const r = ctx.store.list(t.kind.kind, {
    ...(ns !== undefined ? { namespace: ns } : {}),
    ...(labelSelector !== undefined ? { labelSelector } : {}),
    ...(name !== undefined ? { name } : {}),
  });
  let items = r.items.filter((o) => fieldsMatch(fields, o)).sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  if (cont) items = items.filter((o) => sortKey(o) > cont.after);
  const rv = cont ? String(cont.rv) : r.resourceVersion;
  if (limit > 0 && items.length > limit) {
    const page = items.slice(0, limit);
    return {
      items: page,
      resourceVersion: rv,
      continue: encodeContinue({ rv: Number(rv), after: sortKey(page[page.length - 1]!) }),
      remainingItemCount: items.length - limit,
    };
  }
  return { items, resourceVersion: rv };
}

export function listBody(k: KindInfo, p: ListPage): object {
  return {
    kind: listKind(k),
    apiVersion: k.apiVersion,
    metadata: {
      resourceVersion: p.resourceVersion,
      ...(p.continue ? { continue: p.continue, remainingItemCount: p.remainingItemCount } : {}),
    },
    items: p.items,
  };
}

function timeoutMsOf(q: URLSearchParams): number {
  const s = parseNonNegativeInt(q, 'timeoutSeconds');
  // Kubernetes closes unbounded watches after a random 30-60 minutes so clients spread their re-watches.
  return s !== undefined && s > 0 ? s * 1000 : (30 + Math.random() * 30) * 60_000;
}

export function get(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Reply {
  const { ns, name } = itemTarget(t, 'GET');
  const rv = q.get('resourceVersion');
  if (rv && rv !== '0') checkListRv(ctx.store, new URLSearchParams({ resourceVersion: rv }));
  const obj = ctx.store.mustGet(t.kind.kind, ns, name);
  if (wantsTable(req.headers.accept)) {
    return { code: 200, body: toTable(t.kind, [obj], { resourceVersion: obj.metadata.resourceVersion, include: parseIncludeObject(q.get('includeObject')) }) };
  }
  return { code: 200, body: obj };
}

export function list(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Reply {
  const page = listPage(ctx, t, q);
  if (wantsTable(req.headers.accept)) {
    return {
      code: 200,
      body: toTable(t.kind, page.items, {
        resourceVersion: page.resourceVersion,
        ...(page.continue ? { continue: page.continue } : {}),
        include: parseIncludeObject(q.get('includeObject')),
      }),
    };
  }
  return { code: 200, body: listBody(t.kind, page) };
}

export function watch(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, t: ResourceTarget, q: URLSearchParams): OpenWatch {
  const fields = parseFieldSelector(q.get('fieldSelector'), t.kind);
  const labelSelector = q.get('labelSelector') ?? undefined;
  parseSelector(labelSelector); // a bad selector is a 400 answer, not an ERROR event
  const rv = q.get('resourceVersion') ?? '';
  if (rv !== '' && !/^[0-9]+$/.test(rv)) throw errors.badRequest(`invalid resourceVersion "${rv}": resourceVersions are decimal integers`);
  const sendInitial = parseBool(q, 'sendInitialEvents');
  const bookmarks = parseBool(q, 'allowWatchBookmarks') ?? false;
  if (ctx.watches.size >= ctx.limits.maxWatches) {
    throw new ApiError(429, 'TooManyRequests', `too many open watches (${ctx.limits.maxWatches}); close some and retry`, { retryAfterSeconds: 1 });
  }
  const ns = t.kind.namespaced ? (t.namespace ?? pinnedNamespace(fields)) : undefined;
  const name = t.name ?? pinnedName(fields);
  // sendInitialEvents=false with no resourceVersion means "changes from now on".
  const from = rv === '' && sendInitial === false ? String(ctx.store.currentRevision()) : rv;
  const w = serveWatch(
    req,
    res,
    {
      kind: t.kind,
      ...(ns !== undefined ? { namespace: ns } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(labelSelector !== undefined ? { labelSelector } : {}),
      fields,
      ...(from !== '' ? { resourceVersion: from } : {}),
      bookmarks,
      timeoutMs: timeoutMsOf(q),
      ...(wantsTable(req.headers.accept) ? { table: { include: parseIncludeObject(q.get('includeObject')) } } : {}),
    },
    { store: ctx.store, log: ctx.log, limits: ctx.limits, lines: ctx.lines },
  );
  ctx.watches.add(w);
  void w.done.then(() => ctx.watches.delete(w));
  return w;
}
