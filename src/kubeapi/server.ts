// startKubeApi: the Kubernetes-compatible HTTPS API, a second front door on the daemon's store,
// admission and watch machinery. Bearer-token auth with the instance token; /healthz, /livez,
// /readyz and /version answer without it.
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, errors } from '../api/index.js';
import type { Api } from '../admission/types.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { DEFAULT_LIMITS } from '../transport/protocol.js';
import { tokensEqual } from '../transport/server/auth.js';
import { toClientError } from '../transport/server/kernel-errors.js';
import { AGGREGATED_CONTENT_TYPE, aggregatedDiscovery, apiGroupDoc, apiGroupList, apiResourceList, apiVersions, versionInfo, wantsAggregated } from './discovery.js';
import { openApiDocCached, openApiRoot } from './openapi.js';
import { handleResource, type KubeLimits, type Reply, type ResourceContext } from './resources.js';
import { route } from './routes.js';
import { toKubeStatus } from './status.js';
import type { TlsMaterial } from './tls.js';
import { LineCache, type OpenWatch } from './watch.js';

export const DEFAULT_KUBE_LIMITS: KubeLimits = {
  maxBodyBytes: DEFAULT_LIMITS.maxPayload,
  maxWatches: 4096,
  conflateAboveBytes: DEFAULT_LIMITS.conflateAboveBytes,
  closeAboveBytes: DEFAULT_LIMITS.closeAboveBytes,
  stallMs: DEFAULT_LIMITS.stallMs,
  maxPendingEvents: DEFAULT_LIMITS.maxPendingEvents,
  bookmarkMs: DEFAULT_LIMITS.bookmarkMs,
};

export interface KubeApiOptions {
  readonly api: Api;
  readonly store: Store;
  readonly log: Logger;
  readonly token: string;
  readonly tls: TlsMaterial;
  /** Loopback address (default 127.0.0.1). */
  readonly host?: string;
  /** 0 (default) lets the OS pick. */
  readonly port?: number;
  readonly limits?: Partial<KubeLimits>;
}

export interface KubeApiStats {
  readonly watches: number;
  readonly requests: number;
  /** Requests refused for a missing or wrong token. */
  readonly unauthorized: number;
}

export interface KubeApi {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, ends every watch, lets in-flight requests finish (bounded). */
  close(opts?: { timeoutMs?: number }): Promise<void>;
  stats(): KubeApiStats;
}

const ANONYMOUS = new Set(['version', 'health']);

function bearer(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string' || !/^bearer\s+/i.test(auth)) return undefined;
  return auth.replace(/^bearer\s+/i, '').trim();
}

/** Header values are ASCII: field names a client made up may not be. */
function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function send(res: ServerResponse, code: number, body: unknown, warnings: readonly string[] = [], contentType = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache, private',
  };
  // RFC 7234 warn-code 299 "miscellaneous persistent warning", as kube-apiserver sends them.
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${headerSafe(JSON.stringify(w))}`);
  res.writeHead(code, headers);
  res.end(text);
}

function sendError(res: ServerResponse, e: unknown): void {
  const status = toKubeStatus(e);
  send(res, status.code, status);
}

export async function startKubeApi(o: KubeApiOptions): Promise<KubeApi> {
  const log = o.log.child({ component: 'kubeapi' });
  const limits: KubeLimits = { ...DEFAULT_KUBE_LIMITS, ...o.limits };
  const watches = new Set<OpenWatch>();
  const ctx: ResourceContext = { api: o.api, store: o.store, log, limits, watches, lines: new LineCache() };
  const host = o.host ?? '127.0.0.1';
  let port = 0;
  let closing = false;
  let requests = 0;
  let unauthorized = 0;

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const t0 = Date.now();
    requests++;
    const url = new URL(req.url ?? '/', 'https://localhost');
    const r = route(url.pathname);
    const method = req.method ?? 'GET';
    let code = 200;
    try {
      if (closing) throw errors.unavailable('the daemon is shutting down', 1);
      if (!ANONYMOUS.has(r.t)) {
        const token = bearer(req);
        if (token === undefined || !tokensEqual(token, o.token)) {
          unauthorized++;
          log.info({ method, path: url.pathname, token: token === undefined ? 'missing' : 'invalid' }, 'refused a request without a valid token');
          throw new ApiError(401, 'Unauthorized', token === undefined ? 'Unauthorized: send "Authorization: Bearer <token>" (the token is in the kubeconfig from "rdd service kubeconfig")' : 'Unauthorized: invalid token');
        }
      }
      const readOnly = method === 'GET' || method === 'HEAD';
      let reply: Reply | 'streaming';
      switch (r.t) {
        case 'version':
          reply = { code: 200, body: versionInfo() };
          break;
        case 'health':
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('ok');
          return;
        case 'api':
        case 'apis':
          if (wantsAggregated(req.headers.accept)) {
            send(res, 200, aggregatedDiscovery(r.t === 'api'), [], AGGREGATED_CONTENT_TYPE);
            return;
          }
          reply = { code: 200, body: r.t === 'api' ? apiVersions(`${host}:${port}`) : apiGroupList() };
          break;
        case 'group':
          reply = { code: 200, body: apiGroupDoc(r.group) };
          break;
        case 'groupVersion':
          reply = { code: 200, body: apiResourceList(r.gv) };
          break;
        case 'openapiRoot':
          reply = { code: 200, body: openApiRoot() };
          break;
        case 'openapi': {
          const d = openApiDocCached(r.gv)!;
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(d.body)), 'Cache-Control': 'public, immutable', Etag: `"${d.hash}"` });
          res.end(d.body);
          return;
        }
        case 'resource':
          reply = await handleResource(ctx, req, res, r, url.searchParams);
          break;
        case 'unknownResource':
          throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${r.resource} is not served in ${r.gv.groupVersion})`);
        case 'notFound':
          throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      }
      if (r.t !== 'resource' && !readOnly) throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method} ${url.pathname}`);
      if (reply === 'streaming') return;
      code = reply.code;
      send(res, reply.code, reply.body, reply.warnings);
    } catch (e) {
      const err = toClientError(e);
      code = err.code;
      if (err.code >= 500) log.error({ err: e, method, path: url.pathname }, 'request failed');
      // Unread body bytes would otherwise be taken as the next request on this connection.
      if (!req.complete) res.setHeader('Connection', 'close');
      sendError(res, err);
    } finally {
      if (log.isLevelEnabled('debug')) log.debug({ method, path: url.pathname, code, ms: Date.now() - t0 }, 'request');
    }
  };

  const server = https.createServer({ key: o.tls.keyPem, cert: o.tls.certPem, minVersion: 'TLSv1.2' }, (req, res) => {
    res.on('error', (err) => log.debug({ err }, 'response error'));
    req.on('error', (err) => log.debug({ err }, 'request error'));
    serve(req, res).catch((e: unknown) => {
      // serve() answers every error itself; reaching here is a bug, and only this request pays for it.
      log.error({ err: e }, 'unhandled error serving a request');
      if (!res.headersSent) sendError(res, e);
      else res.destroy();
    });
  });
  server.on('clientError', (err, socket) => {
    log.debug({ err }, 'http client error');
    socket.destroy();
  });
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'tls handshake failed'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: o.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      resolve();
    });
  });
  const url = `https://${host}:${port}`;
  log.info({ url }, 'Kubernetes API listening');

  let closed: Promise<void> | undefined;
  const close = async (c: { timeoutMs?: number } = {}): Promise<void> => {
    closing = true;
    const stopped = new Promise<void>((r) => server.close(() => r()));
    for (const w of [...watches]) w.close();
    // Keep-alive connections become idle as their last response ends (an ended watch, an
    // in-flight write); close them as they do instead of waiting for the deadline.
    server.closeIdleConnections();
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise<void>((r) => (timer = setTimeout(r, c.timeoutMs ?? 10_000)))]);
    clearTimeout(timer);
    clearInterval(idle);
    server.closeAllConnections();
    await stopped;
    log.info('Kubernetes API closed');
  };

  return {
    url,
    port,
    close: (c) => (closed ??= close(c)),
    stats: () => ({ watches: watches.size, requests, unauthorized }),
  };
}
