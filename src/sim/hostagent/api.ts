// The hostagent's REST API on ha.sock (docs/lima.md#mapping-to-lima): GET /v1/info → {"sshLocalPort":N}. With
// haSockDead (re-read per request) the connection is dropped unanswered, so `list` sees Broken.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { rmQuiet } from '../procs.js';

export interface ApiOptions {
  readonly socket: string;
  readonly sshLocalPort: number;
  /** Re-read on every request. */
  readonly dead: () => boolean;
}

export async function serveApi(o: ApiOptions): Promise<Server> {
  const server = createServer((req, res) => {
    if (o.dead()) {
      req.socket.destroy();
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    if (req.method === 'GET' && req.url === '/v1/info') {
      res.end(JSON.stringify({ sshLocalPort: o.sshLocalPort }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ message: `not found: ${req.method ?? ''} ${req.url ?? ''}` }));
    }
  });
  rmQuiet(o.socket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Closes the server and its connections; node unlinks the socket file, we make sure. */
export function closeApi(server: Server, socket: string): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      rmQuiet(socket);
      resolve();
    });
    server.closeAllConnections();
  });
}

/** A free TCP port on 127.0.0.1, standing for the hostagent's random SSH port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createTcpServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
