// Resource endpoints: get, list, watch, create, update, patch, delete, deletecollection and the
// status subresource. Reads go to the store, writes through the admission Api: the same paths
// the WebSocket gateway uses, so both front doors store, admit and announce alike.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors, isConflict, type KindInfo, type Resource, type ResourceInput } from '../api/index.js';
import type { Api } from '../admission/types.js';
import type { Logger } from '../log.js';
import { parseSelector } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { OutboundLimits } from '../transport/server/outbound.js';
import { mediaType, parseBody, readBody, requireObject } from './body.js';
import { pruneUnknown } from './fields.js';
import { applyJsonPatch, applyStrategicMerge } from './patches.js';
import {
  decodeContinue,
  encodeContinue,
  fieldsMatch,
  parseBool,
  parseDryRun,
  parseFieldSelector,
  parseFieldValidation,
  parseNonNegativeInt,
  pinnedName,
  pinnedNamespace,
  type FieldValidation,
} from './query.js';
import { kubeError } from './status.js';
import { parseIncludeObject, toTable, wantsTable } from './table.js';
import { serveWatch, type LineCache, type OpenWatch } from './watch.js';

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

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

function listKind(k: KindInfo): string {
  return `${k.kind}List`;
}

function sortKey(o: Resource): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function notServed(message: string): ApiError {
  return kubeError(404, 'NotFound', message);
}

function methodNotAllowed(method: string, what: string): ApiError {
  return kubeError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method} ${what}`);
}

/** Namespace a write targets: the URL's; a body naming another one is 400 (as Kubernetes says it). */
function bodyNamespace(t: ResourceTarget, body: Record<string, unknown>): void {
  const meta = requireObject(body.metadata ?? {}, 'metadata');
  body.metadata = meta;
  if (!t.kind.namespaced) return;
  if (meta.namespace === undefined || meta.namespace === '') meta.namespace = t.namespace;
  else if (meta.namespace !== t.namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

function checkTypeMeta(t: ResourceTarget, body: Record<string, unknown>): void {
  // As kube-apiserver does, a body without type information takes it from the URL.
  if (body.kind === undefined || body.kind === '') body.kind = t.kind.kind;
  if (body.apiVersion === undefined || body.apiVersion === '') body.apiVersion = t.kind.apiVersion;
  if (body.kind !== t.kind.kind || body.apiVersion !== t.kind.apiVersion) {
    throw errors.badRequest(
      `the body is a ${String(body.kind)} (${String(body.apiVersion)}) but the URL is for ${t.kind.kind} (${t.kind.apiVersion})`,
    );
  }
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

function listPage(ctx: ResourceContext, t: ResourceTarget, q: URLSearchParams): ListPage {
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

function listBody(k: KindInfo, p: ListPage): object {
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

function namespaceOf(t: ResourceTarget): string {
  return t.kind.namespaced ? (t.namespace ?? '') : '';
}

/** Writes on one object need its namespace in the URL (namespaced kinds) and its name. */
function itemTarget(t: ResourceTarget, method: string): { ns: string; name: string } {
  if (t.name === undefined) throw methodNotAllowed(method, t.kind.plural);
  if (t.kind.namespaced && t.namespace === undefined) {
    throw notServed(`${t.kind.resource} is namespaced: use /…/namespaces/<namespace>/${t.kind.plural}/${t.name}`);
  }
  return { ns: namespaceOf(t), name: t.name };
}

function timeoutMsOf(q: URLSearchParams): number {
  const s = parseNonNegativeInt(q, 'timeoutSeconds');
  // Kubernetes closes unbounded watches after a random 30-60 minutes so clients spread their re-watches.
  return s !== undefined && s > 0 ? s * 1000 : (30 + Math.random() * 30) * 60_000;
}

async function readObject(req: IncomingMessage, ctx: ResourceContext): Promise<Record<string, unknown>> {
  const type = mediaType(req.headers['content-type']);
  if (type !== '' && type !== 'application/json' && type !== 'application/yaml') {
    throw kubeError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format (${type}); accepted media types include: application/json, application/yaml`);
  }
  return requireObject(parseBody(await readBody(req, ctx.limits.maxBodyBytes), type || 'application/json'), 'the request body');
}

function generateName(body: Record<string, unknown>): void {
  const meta = body.metadata as Record<string, unknown>;
  if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '') {
    // Five characters from Kubernetes' alphabet (no vowels, no look-alikes).
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    const bytes = randomBytes(5);
    meta.name = meta.generateName + [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  }
  delete meta.generateName;
}

async function create(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Promise<Reply> {
  if (t.kind.namespaced && t.namespace === undefined) throw methodNotAllowed('POST', `${t.kind.plural} without a namespace`);
  const dryRun = parseDryRun(q);
  const fv = parseFieldValidation(q);
  const body = await readObject(req, ctx);
  checkTypeMeta(t, body);
  const warnings = pruneUnknown(t.kind, body, fv);
  bodyNamespace(t, body);
  generateName(body);
  const obj = await ctx.api.create(body as unknown as ResourceInput, { dryRun });
  return { code: 201, body: obj, warnings };
}

async function replace(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Promise<Reply> {
  const { name } = itemTarget(t, 'PUT');
  const dryRun = parseDryRun(q);
  const fv = parseFieldValidation(q);
  const body = await readObject(req, ctx);
  checkTypeMeta(t, body);
  const warnings = pruneUnknown(t.kind, body, fv);
  bodyNamespace(t, body);
  const meta = body.metadata as Record<string, unknown>;
  if (meta.name !== name) throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  const obj = body as unknown as Resource;
  const out = t.subresource === 'status' ? await ctx.api.updateStatus(obj, { dryRun }) : await ctx.api.update(obj, { dryRun });
  return { code: 200, body: out, warnings };
}

function sameIdentity(t: ResourceTarget, cur: Resource, next: Record<string, unknown>): void {
  const m = requireObject(next.metadata, 'metadata');
  if (m.name !== cur.metadata.name || (m.namespace ?? '') !== (cur.metadata.namespace ?? '')) {
    throw errors.badRequest(`a patch cannot change the name or namespace of ${t.kind.resource} "${cur.metadata.name}"`);
  }
  if (next.kind !== cur.kind || next.apiVersion !== cur.apiVersion) {
    throw errors.badRequest(`a patch cannot change the kind or apiVersion of ${t.kind.resource} "${cur.metadata.name}"`);
  }
  if (m.uid !== cur.metadata.uid) {
    throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${String(m.uid)}, UID in object meta: ${cur.metadata.uid}`, { kind: t.kind.kind, name: cur.metadata.name });
  }
}

/** JSON patch and strategic merge: compute the next object, store it as an update of the version it came from. */
async function patchByUpdate(
  ctx: ResourceContext,
  t: ResourceTarget,
  where: { ns: string; name: string },
  compute: (cur: Resource) => unknown,
  o: { dryRun: boolean; fv: FieldValidation },
): Promise<Reply> {
  for (let attempt = 0; ; attempt++) {
    const cur = ctx.store.mustGet(t.kind.kind, where.ns, where.name);
    const next = requireObject(compute(cur), 'the patched object');
    const warnings = pruneUnknown(t.kind, next, o.fv);
    sameIdentity(t, cur, next);
    const meta = next.metadata as Record<string, unknown>;
    // A patch that sets resourceVersion is a precondition; otherwise it applies to the latest version.
    const conditional = meta.resourceVersion !== cur.metadata.resourceVersion && meta.resourceVersion !== undefined;
    if (!conditional) meta.resourceVersion = cur.metadata.resourceVersion;
    try {
      const obj = next as unknown as Resource;
      const out = t.subresource === 'status' ? await ctx.api.updateStatus(obj, { dryRun: o.dryRun }) : await ctx.api.update(obj, { dryRun: o.dryRun });
      return { code: 200, body: out, warnings };
    } catch (e) {
      if (conditional || !isConflict(e) || attempt >= 4) throw e;
    }
  }
}

async function patch(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Promise<Reply> {
  const where = itemTarget(t, 'PATCH');
  const dryRun = parseDryRun(q);
  const fv = parseFieldValidation(q);
  const type = mediaType(req.headers['content-type']);
  const accepted = t.kind.apiVersion === 'v1' ? `${JSON_PATCH}, ${MERGE}, ${STRATEGIC}` : `${JSON_PATCH}, ${MERGE}`;
  if (type === APPLY) {
    throw kubeError(415, 'UnsupportedMediaType', `server-side apply (${APPLY}) is not supported by rdd; use client-side "kubectl apply" (the default) or a patch of type ${accepted}`);
  }
  if (type !== MERGE && type !== JSON_PATCH && !(type === STRATEGIC && t.kind.apiVersion === 'v1')) {
    throw kubeError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format (${type || 'none'}) - accepted media types include: ${accepted}`);
  }
  const p = parseBody(await readBody(req, ctx.limits.maxBodyBytes), type);
  if (type === JSON_PATCH) return patchByUpdate(ctx, t, where, (cur) => applyJsonPatch(cur, p), { dryRun, fv });
  if (type === STRATEGIC) return patchByUpdate(ctx, t, where, (cur) => applyStrategicMerge(cur, p), { dryRun, fv });
  const mp = requireObject(p, 'a JSON merge patch');
  const warnings = pruneUnknown(t.kind, mp, fv);
  const out = await ctx.api.patch(t.kind.kind, where.ns, where.name, mp, { dryRun, ...(t.subresource === 'status' ? { subresource: 'status' as const } : {}) });
  return { code: 200, body: out, warnings };
}

interface DeleteOpts {
  dryRun: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

async function deleteOptions(ctx: ResourceContext, req: IncomingMessage, q: URLSearchParams): Promise<DeleteOpts> {
  const o: DeleteOpts = { dryRun: parseDryRun(q) };
  const grace = parseNonNegativeInt(q, 'gracePeriodSeconds');
  if (grace !== undefined) o.gracePeriodSeconds = grace;
  let policy = q.get('propagationPolicy') ?? undefined;
  const raw = await readBody(req, ctx.limits.maxBodyBytes);
  if (raw.toString('utf8').trim() !== '') {
    const b = requireObject(parseBody(raw, 'application/json'), 'DeleteOptions');
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw errors.badRequest(`the body of a DELETE must be DeleteOptions, not ${String(b.kind)}`);
    if (b.dryRun !== undefined) {
      if (!Array.isArray(b.dryRun) || b.dryRun.some((v) => v !== 'All')) throw errors.badRequest('invalid dryRun in DeleteOptions: the only supported value is ["All"]');
      o.dryRun ||= b.dryRun.length > 0;
    }
    if (b.gracePeriodSeconds !== undefined) {
      if (typeof b.gracePeriodSeconds !== 'number' || !Number.isInteger(b.gracePeriodSeconds) || b.gracePeriodSeconds < 0) {
        throw errors.badRequest('invalid gracePeriodSeconds in DeleteOptions: want a non-negative integer');
      }
      o.gracePeriodSeconds = b.gracePeriodSeconds;
    }
    if (b.propagationPolicy !== undefined) policy = String(b.propagationPolicy);
    if (b.orphanDependents === true) policy = 'Orphan';
    if (b.preconditions !== undefined && b.preconditions !== null) {
      const pre = requireObject(b.preconditions, 'preconditions');
      o.preconditions = {
        ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
        ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
      };
    }
  }
  if (policy !== undefined && policy !== 'Background') {
    if (policy !== 'Foreground' && policy !== 'Orphan') throw errors.badRequest(`invalid propagationPolicy "${policy}": want Background, Foreground or Orphan`);
    throw errors.badRequest(
      `propagationPolicy ${policy} is not supported: rdd deletes dependents in the background, and an owner waits for its dependents through its own finalizer; use propagationPolicy=Background (kubectl's default)`,
    );
  }
  return o;
}

async function remove(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Promise<Reply> {
  const { ns, name } = itemTarget(t, 'DELETE');
  const o = await deleteOptions(ctx, req, q);
  const r = await ctx.api.delete(t.kind.kind, ns, name, {
    dryRun: o.dryRun,
    ...(o.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
    ...(o.preconditions ? { preconditions: o.preconditions } : {}),
  });
  return { code: 200, body: r.object };
}

async function removeCollection(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Promise<Reply> {
  const o = await deleteOptions(ctx, req, q);
  const page = listPage(ctx, t, q);
  const deleted: Resource[] = [];
  for (const it of page.items) {
    const r = await ctx.api.delete(t.kind.kind, it.metadata.namespace ?? '', it.metadata.name, {
      dryRun: o.dryRun,
      ...(o.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
    });
    deleted.push(r.object);
  }
  return { code: 200, body: listBody(t.kind, { items: deleted, resourceVersion: String(ctx.store.currentRevision()) }) };
}

function get(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Reply {
  const { ns, name } = itemTarget(t, 'GET');
  const rv = q.get('resourceVersion');
  if (rv && rv !== '0') checkListRv(ctx.store, new URLSearchParams({ resourceVersion: rv }));
  const obj = ctx.store.mustGet(t.kind.kind, ns, name);
  if (wantsTable(req.headers.accept)) {
    return { code: 200, body: toTable(t.kind, [obj], { resourceVersion: obj.metadata.resourceVersion, include: parseIncludeObject(q.get('includeObject')) }) };
  }
  return { code: 200, body: obj };
}

function list(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Reply {
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

function watch(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, t: ResourceTarget, q: URLSearchParams): OpenWatch {
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

