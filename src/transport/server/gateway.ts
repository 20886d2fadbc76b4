// startGateway: the WebSocket gateway on loopback TCP and a Unix socket. Authentication and the
// Origin check happen in `upgrade`, before any WebSocket exists; a refused peer gets a short HTTP
// answer and its socket is destroyed.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Api } from '../../admission/types.js';
import type { Logger } from '../../log.js';
import type { Store } from '../../store/types.js';
import { removeEndpointFile, writeEndpointFile } from '../endpoint.js';
import { DEFAULT_LIMITS, PROTOCOL_VERSION, type DaemonInfo, type Encoding, type Limits } from '../protocol.js';
import { BrowserAuth } from '../../dashboard/server/login.js';
import { staticSite } from '../../dashboard/server/static.js';
import { checkUpgrade, generateToken, type AuthKind } from './auth.js';
import { ConditionHub } from './condition-hub.js';
import { Connection, type ConnectionStats } from './connection.js';
import type { GatewayContext, LogSource } from './context.js';
import { closeServer, listenTcp, listenUnix } from './listen.js';

export interface GatewayOptions {
  api: Api;
  store: Store;
  log: Logger;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** TCP port; 0 (default) lets the OS pick. */
  port?: number;
  socketPath: string;
  endpointFile: string;
  /** The shared secret; generated when omitted. */
  token?: string;
  info: DaemonInfo;
  logs?: LogSource;
  limits?: Partial<Limits>;
  /** Serve the status page on the TCP port (docs/dashboard.md). */
  dashboard?: { readonly assetsDir: string; readonly keyFile: string };
}

export interface GatewayStats {
  readonly connections: readonly ConnectionStats[];
  readonly conditionSubscriptions: number;
  /** Upgrades refused since start, by HTTP status. */
  readonly refused: Readonly<Record<string, number>>;
}

export interface Gateway {
  /** ws://127.0.0.1:<port> */
  readonly url: string;
  readonly socketPath: string;
  readonly token: string;
  /** Stops accepting, lets in-flight requests finish, closes every client with 1001. */
  close(opts?: { timeoutMs?: number }): Promise<void>;
  stats(): GatewayStats;
}

interface Pending {
  readonly encoding: Encoding;
  readonly via: 'tcp' | 'unix';
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const log = opts.log.child({ component: 'gateway' });
  const token = opts.token ?? generateToken();
  const host = opts.host ?? '127.0.0.1';
  const hub = new ConditionHub(opts.store, log);
  const browserAuth = opts.dashboard ? new BrowserAuth({ keyFile: opts.dashboard.keyFile }) : undefined;
  const site = opts.dashboard ? staticSite(opts.dashboard.assetsDir) : undefined;
  const ctx: GatewayContext = {
    api: opts.api,
    store: opts.store,
    log,
    info: opts.info,
    limits,
    hub,
    ...(opts.logs ? { logs: opts.logs } : {}),
    ...(browserAuth ? { browserAuth } : {}),
  };

  const connections = new Set<Connection>();
  const refused: Record<string, number> = {};
  const pending = new WeakMap<http.IncomingMessage, Pending>();
  let nextId = 1;
  let port = 0;
  let closing = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPayload,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (_offered, req) => {
      const p = pending.get(req);
      return p ? (p.encoding === 'msgpack' ? 'rdd.v1.msgpack' : 'rdd.v1.json') : false;
    },
  });
  wss.on('error', (err) => log.error({ err }, 'websocket server error'));
  wss.on('wsClientError', (err, socket) => {
    log.debug({ err }, 'bad websocket handshake');
    socket.destroy();
  });

  const refuse = (socket: Duplex, status: number, message: string): void => {
    refused[status] = (refused[status] ?? 0) + 1;
    const text = `${message}\n`;
    const reason = http.STATUS_CODES[status] ?? 'Error';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
    setTimeout(() => socket.destroy(), 100).unref();
  };

  const onUpgrade = (via: 'tcp' | 'unix') => (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err }, 'upgrade socket error'));
    try {
      if (closing) return refuse(socket, 503, 'the daemon is shutting down');
      const verdict = checkUpgrade(req.headers, {
        token,
        port,
        via,
        ...(browserAuth ? { browserCredential: (c: string) => browserAuth.accept(c) } : {}),
      });
      if (!verdict.ok) {
        log.info({ status: verdict.status, via, origin: req.headers.origin }, `refused connection: ${verdict.message}`);
        return refuse(socket, verdict.status, verdict.message);
      }
      pending.set(req, { encoding: verdict.encoding, via });
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, verdict.encoding, via, verdict.auth));
    } catch (err) {
      log.error({ err }, 'upgrade failed');
      socket.destroy();
    }
  };

  const onConnection = (ws: WebSocket, encoding: Encoding, via: 'tcp' | 'unix', auth: AuthKind): void => {
    if (closing) {
      ws.close(1001, 'daemon shutting down');
      return;
    }
    const conn = new Connection(nextId++, ws, encoding, via, ctx, auth);
    connections.add(conn);
    void conn.done.then(() => connections.delete(conn));
    conn.log.debug('connection opened');
  };

  const plainHttp = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
    res.end('this endpoint speaks WebSocket only (subprotocol rdd.v1.msgpack or rdd.v1.json)\n');
  };

  const tcp = http.createServer((req, res) => {
    if (!site?.serve(req, res, port)) plainHttp(req, res);
  });
  const unix = http.createServer(plainHttp);
  for (const [server, via] of [[tcp, 'tcp'], [unix, 'unix']] as const) {
    server.on('upgrade', onUpgrade(via));
    server.on('clientError', (err, socket) => {
      log.debug({ err }, 'http client error');
      socket.destroy();
    });
  }

  try {
    port = await listenTcp(tcp, host, opts.port ?? 0);
    await listenUnix(unix, opts.socketPath);
  } catch (e) {
    await Promise.all([closeServer(tcp), closeServer(unix)]);
    hub.dispose();
    throw e;
  }
  const url = `ws://${host}:${port}`;
  writeEndpointFile(opts.endpointFile, { url, socketPath: opts.socketPath, token, protocol: PROTOCOL_VERSION, pid: process.pid });

  const heartbeat = setInterval(() => {
    for (const c of connections) c.ping();
  }, limits.heartbeatMs);
  heartbeat.unref();

  log.info({ url, socketPath: opts.socketPath, endpointFile: opts.endpointFile }, 'gateway listening');

  let closed: Promise<void> | undefined;
  const close = async (o: { timeoutMs?: number } = {}): Promise<void> => {
    closing = true;
    clearInterval(heartbeat);
    // Stop accepting first; sockets already upgraded are finished below.
    const servers = Promise.all([closeServer(tcp), closeServer(unix)]);
    tcp.closeIdleConnections();
    unix.closeIdleConnections();
    const timeoutMs = o.timeoutMs ?? 10_000;
    const all = Promise.all([...connections].map((c) => c.shutdown(limits.closeGraceMs)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    for (const c of connections) c.terminate();
    await servers;
    hub.dispose();
    fs.rmSync(opts.socketPath, { force: true });
    removeEndpointFile(opts.endpointFile, token);
    log.info('gateway closed');
  };

  return {
    url,
    socketPath: opts.socketPath,
    token,
    close: (o) => (closed ??= close(o)),
    stats: () => ({
      connections: [...connections].map((c) => c.stats()),
      conditionSubscriptions: hub.size,
      refused: { ...refused },
    }),
  };
}
