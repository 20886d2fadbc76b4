// Writes: create, replace, the patch flavours, delete and deletecollection, each through the
// admission Api the gateway uses, with Kubernetes' checks of the body against the URL.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError, errors, isConflict, type Resource } from '../api/index.js';
import { mediaType, parseBody, readBody, requireObject } from './body.js';
import { itemTarget, methodNotAllowed, type Reply, type ResourceContext, type ResourceTarget } from './context.js';
import { pruneUnknown } from './fields.js';
import { applyJsonPatch, applyStrategicMerge } from './patches.js';
import { parseDryRun, parseFieldValidation, parseNonNegativeInt, type FieldValidation } from './query.js';
import { listBody, listPage } from './reads.js';
import { kubeError } from './status.js';

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

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

/**
 * Whether `body` has an object's envelope: kind, apiVersion and a metadata object. The checks
 * before each write establish it (checkTypeMeta, bodyNamespace, sameIdentity); admission checks
 * the rest (metadata.name, the kind's schema) and answers 422.
 */
function hasEnvelope(body: Record<string, unknown>): body is Record<string, unknown> & Resource {
  return typeof body.kind === 'string' && typeof body.apiVersion === 'string' && typeof body.metadata === 'object' && body.metadata !== null;
}

function envelope(body: Record<string, unknown>): Resource {
  if (!hasEnvelope(body)) throw errors.badRequest('the object must have kind, apiVersion and metadata');
  return body;
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

export async function create(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Promise<Reply> {
  if (t.kind.namespaced && t.namespace === undefined) throw methodNotAllowed('POST', `${t.kind.plural} without a namespace`);
  const dryRun = parseDryRun(q);
  const fv = parseFieldValidation(q);
  const body = await readObject(req, ctx);
  checkTypeMeta(t, body);
  const warnings = pruneUnknown(t.kind, body, fv);
  bodyNamespace(t, body);
  generateName(body);
  const obj = await ctx.api.create(envelope(body), { dryRun });
  return { code: 201, body: obj, warnings };
}

export async function replace(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Promise<Reply> {
  const { name } = itemTarget(t, 'PUT');
  const dryRun = parseDryRun(q);
  const fv = parseFieldValidation(q);
  const body = await readObject(req, ctx);
  checkTypeMeta(t, body);
  const warnings = pruneUnknown(t.kind, body, fv);
  bodyNamespace(t, body);
  const meta = body.metadata as Record<string, unknown>;
  if (meta.name !== name) throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  const obj = envelope(body);
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
      const obj = envelope(next);
      const out = t.subresource === 'status' ? await ctx.api.updateStatus(obj, { dryRun: o.dryRun }) : await ctx.api.update(obj, { dryRun: o.dryRun });
      return { code: 200, body: out, warnings };
    } catch (e) {
      if (conditional || !isConflict(e) || attempt >= 4) throw e;
    }
  }
}

export async function patch(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Promise<Reply> {
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

export async function remove(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Promise<Reply> {
  const { ns, name } = itemTarget(t, 'DELETE');
  const o = await deleteOptions(ctx, req, q);
  const r = await ctx.api.delete(t.kind.kind, ns, name, {
    dryRun: o.dryRun,
    ...(o.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
    ...(o.preconditions ? { preconditions: o.preconditions } : {}),
  });
  return { code: 200, body: r.object };
}

export async function removeCollection(ctx: ResourceContext, req: IncomingMessage, t: ResourceTarget, q: URLSearchParams): Promise<Reply> {
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
