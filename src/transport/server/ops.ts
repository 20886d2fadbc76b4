// Request handlers: reads go to the store, writes through the admission Api, streams start here.
import { ApiError, kindInfo, resolveKind, type KindInfo, type ResourceInput, type Resource } from '../../api/index.js';
import { PROTOCOL_VERSION, type HelloResult, type Request } from '../protocol.js';
import type { ConnectionPort, GatewayContext, Outcome } from './context.js';
import { startConditions, startLogs } from './streams.js';
import { startWatch } from './watch-stream.js';

function kindNamed(name: string): KindInfo {
  const k = resolveKind(name);
  if (!k) throw new ApiError(404, 'NotFound', `the server doesn't have a resource type "${name}"`, { kind: name });
  return k;
}

/** Object bodies must name their kind exactly (short names are for the CLI). */
function kindOfBody(obj: { kind: string }): KindInfo {
  const k = kindInfo(obj.kind);
  if (!k) throw new ApiError(404, 'NotFound', `no kind "${obj.kind}" is registered; use one of the kinds listed by "rdd ctl api-resources"`, { kind: obj.kind });
  return k;
}

/** The namespace of one object: "default" when a namespaced kind gets none; '' for cluster-scoped kinds. */
function objectNamespace(k: KindInfo, ns: string | undefined): string {
  return k.namespaced ? ns || 'default' : '';
}

/** A namespace filter for list/watch: undefined means every namespace. */
function namespaceFilter(k: KindInfo, ns: string | undefined): { namespace?: string } {
  return k.namespaced && ns ? { namespace: ns } : {};
}

function withDefaultNamespace<T extends { kind: string; metadata: { namespace?: string } }>(k: KindInfo, obj: T): T {
  if (k.namespaced && !obj.metadata.namespace) obj.metadata.namespace = 'default';
  return obj;
}

const ok = (result: unknown): Outcome => ({ result });

export function handle(ctx: GatewayContext, conn: ConnectionPort, req: Request): Outcome | Promise<Outcome> {
  const signal = conn.signal;
  switch (req.op) {
    case 'hello': {
      const result: HelloResult = { daemon: ctx.info, protocol: PROTOCOL_VERSION, encoding: conn.encoding, limits: ctx.limits };
      return ok(result);
    }
    case 'get': {
      const k = kindNamed(req.kind);
      return ok(ctx.store.mustGet(k.kind, objectNamespace(k, req.namespace), req.name));
    }
    case 'list': {
      const k = kindNamed(req.kind);
      return ok(
        ctx.store.list(k.kind, {
          ...namespaceFilter(k, req.namespace),
          ...(req.labelSelector !== undefined ? { labelSelector: req.labelSelector } : {}),
          ...(req.name !== undefined ? { name: req.name } : {}),
        }),
      );
    }
    case 'create': {
      // The schema checked kind and metadata.name; admission checks the rest of the body.
      const obj = req.object as ResourceInput;
      const k = kindOfBody(obj);
      return ctx.api.create(withDefaultNamespace(k, obj), { dryRun: req.dryRun ?? false, signal }).then(ok);
    }
    case 'update': {
      const obj = req.object as Resource;
      const k = kindOfBody(obj);
      const o = { dryRun: req.dryRun ?? false, signal };
      withDefaultNamespace(k, obj);
      return (req.subresource === 'status' ? ctx.api.updateStatus(obj, o) : ctx.api.update(obj, o)).then(ok);
    }
    case 'patch': {
      const k = kindNamed(req.kind);
      return ctx.api
        .patch(k.kind, objectNamespace(k, req.namespace), req.name, req.patch, {
          dryRun: req.dryRun ?? false,
          signal,
          ...(req.subresource ? { subresource: req.subresource } : {}),
        })
        .then(ok);
    }
    case 'delete': {
      const k = kindNamed(req.kind);
      return ctx.api
        .delete(k.kind, objectNamespace(k, req.namespace), req.name, {
          dryRun: req.dryRun ?? false,
          signal,
          ...(req.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: req.gracePeriodSeconds } : {}),
          ...(req.preconditions ? { preconditions: req.preconditions } : {}),
        })
        .then(ok);
    }
    case 'watch':
      return startWatch(ctx, conn, req, kindNamed(req.kind));
    case 'conditions':
      return startConditions(ctx, conn, req, kindNamed(req.kind));
    case 'logs':
      return startLogs(ctx, conn, req);
    case 'loginCode':
    case 'login':
      return ok(loginOp(ctx, conn, req.op));
    case 'unwatch':
    case 'cancel':
      // Handled by the connection, which owns the stream table.
      throw new ApiError(500, 'InternalError', `operation "${req.op}" reached the handler table`);
  }
}

/** The status page's sign-in: token holders mint codes; a code's connection trades it once for a session. */
function loginOp(ctx: GatewayContext, conn: ConnectionPort, op: 'loginCode' | 'login'): unknown {
  const auth = ctx.browserAuth;
  if (!auth) throw new ApiError(503, 'ServiceUnavailable', 'this gateway does not serve the status page, so it has no sign-in');
  if (op === 'loginCode') {
    if (conn.auth !== 'token') throw new ApiError(403, 'Forbidden', 'only a client holding the daemon token may create login codes; run "rdd dashboard"');
    const code = auth.issueCode();
    conn.log.info({ expiresAt: code.expiresAt }, 'issued a status-page login code');
    return code;
  }
  if (conn.auth !== 'login-code' || conn.loggedIn) {
    throw new ApiError(403, 'Forbidden', 'login is allowed once, on a connection opened with a login code; run "rdd dashboard" for a new link');
  }
  conn.loggedIn = true;
  const session = auth.issueSession();
  conn.log.info({ expiresAt: session.expiresAt }, 'the status page signed in');
  return session;
}
