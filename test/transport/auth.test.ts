// Authentication, Origin checks, subprotocol negotiation, and the files the gateway leaves on disk.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import type { ApiError } from '../../src/api/index.js';
import { connect, isDaemonNotRunning, readEndpointFile, PROTOCOL_VERSION } from '../../src/transport/index.js';
import { checkUpgrade, tokensEqual } from '../../src/transport/server/auth.js';
import { rawConnect, startEnv, tempDir } from './helpers.js';

const status = (e: unknown): number | undefined => (e as { status?: number }).status;

test('missing token is refused with 401 before the upgrade, on TCP and on the socket', async (t) => {
  const env = await startEnv(t);
  for (const via of ['tcp', 'unix'] as const) {
    const e = await t.throwsAsync(rawConnect(t, env.gw, { token: null, via }));
    t.is(status(e), 401);
  }
  t.is(env.gw.stats().connections.length, 0);
  t.is(env.gw.stats().refused['401'], 2);
});

test('wrong token is refused with 401, as header and as subprotocol', async (t) => {
  const env = await startEnv(t);
  t.is(status(await t.throwsAsync(rawConnect(t, env.gw, { token: 'x'.repeat(43) }))), 401);
  t.is(status(await t.throwsAsync(rawConnect(t, env.gw, { token: `${env.gw.token}x`, tokenIn: 'protocol' }))), 401);
  t.is(status(await t.throwsAsync(rawConnect(t, env.gw, { token: '' }))), 401);
});

test('token in the subprotocol list is accepted, and only the encoding protocol is echoed', async (t) => {
  const env = await startEnv(t);
  const peer = await rawConnect(t, env.gw, { tokenIn: 'protocol' });
  t.is(peer.ws.protocol, 'rdd.v1.json');
  peer.send({ id: 1, op: 'hello' });
  t.like(await peer.next(), { id: 1, ok: true });
});

test('a foreign Origin is refused with 403; the daemon own loopback origins are accepted', async (t) => {
  const env = await startEnv(t);
  const port = new URL(env.gw.url).port;
  for (const origin of ['http://evil.example', `http://127.0.0.1:${Number(port) + 1}`, 'null', `https://127.0.0.1:${port}`]) {
    t.is(status(await t.throwsAsync(rawConnect(t, env.gw, { origin, tokenIn: 'protocol' }))), 403, origin);
  }
  for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
    const peer = await rawConnect(t, env.gw, { origin, tokenIn: 'protocol' });
    peer.send({ id: 1, op: 'hello' });
    t.like(await peer.next(), { ok: true }, origin);
  }
  // Browsers cannot reach the Unix socket, so no Origin is ours there.
  t.is(status(await t.throwsAsync(rawConnect(t, env.gw, { origin: `http://127.0.0.1:${port}`, via: 'unix' }))), 403);
});

test('no supported subprotocol is refused with 400', async (t) => {
  const env = await startEnv(t);
  t.is(status(await t.throwsAsync(rawConnect(t, env.gw, { protocols: ['chat'] }))), 400);
});

test('socket and endpoint file are 0600; the endpoint file names both addresses', async (t) => {
  const env = await startEnv(t);
  t.is(fs.statSync(env.gw.socketPath).mode & 0o777, 0o600);
  t.is(fs.statSync(env.endpointFile).mode & 0o777, 0o600);
  const ep = readEndpointFile(env.endpointFile);
  t.deepEqual(ep, { url: env.gw.url, socketPath: env.gw.socketPath, token: env.gw.token, protocol: PROTOCOL_VERSION, pid: process.pid });
  t.regex(env.gw.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  // No temp files left next to it.
  t.deepEqual(fs.readdirSync(path.dirname(env.endpointFile)), ['endpoint.json']);
});

test('the client prefers the Unix socket and falls back to TCP', async (t) => {
  const env = await startEnv(t);
  const c = await env.client();
  t.is(c.currentConnection()?.socket.url.startsWith('ws+unix:'), true);
  const tcpOnly = await connect({ url: env.gw.url, socketPath: path.join(env.dir, 'missing.sock'), token: env.gw.token });
  t.teardown(() => tcpOnly.close());
  t.is((await tcpOnly.hello()).protocol, PROTOCOL_VERSION);
  t.true(tcpOnly.currentConnection()?.socket.url.startsWith('ws://127.0.0.1'));
});

test('client: wrong token is a 401 ApiError; no daemon is DaemonNotRunning', async (t) => {
  const env = await startEnv(t);
  const e = await t.throwsAsync(connect({ url: env.gw.url, token: 'nope' }));
  t.is((e as ApiError).code, 401);
  const dir = tempDir(t);
  const missing = await t.throwsAsync(connect({ endpointFile: path.join(dir, 'endpoint.json') }));
  t.true(isDaemonNotRunning(missing));
  const refused = await t.throwsAsync(connect({ socketPath: path.join(dir, 'none.sock'), token: 't' }));
  t.true(isDaemonNotRunning(refused), (refused as Error).message);
  t.regex((refused as Error).message, /rdd service start/);
});

test('client: a daemon that never answers the WebSocket handshake is a 504 Timeout', async (t) => {
  // Accepts the TCP connection and reads the upgrade request, but never answers it.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const { port } = server.address() as net.AddressInfo;
  const e = await t.throwsAsync(connect({ url: `ws://127.0.0.1:${port}`, token: 't', handshakeTimeoutMs: 50 }));
  t.is((e as ApiError).code, 504);
  t.is((e as ApiError).reason, 'Timeout');
  t.false(isDaemonNotRunning(e));
});

test('a live socket is never replaced; a stale one is', async (t) => {
  const env = await startEnv(t);
  const { startGateway } = await import('../../src/transport/index.js');
  const { INFO } = await import('./helpers.js');
  const { silentLogger } = await import('../../src/log.js');
  await t.throwsAsync(
    startGateway({ api: env.api, store: env.store, log: silentLogger(), socketPath: env.gw.socketPath, endpointFile: path.join(env.dir, 'e2.json'), info: INFO }),
    { message: /another process is listening/ },
  );
  // The running gateway is unaffected.
  const c = await env.client();
  t.is((await c.hello()).protocol, PROTOCOL_VERSION);

  // A stale socket file: bound by a server that is gone (renamed away before it closed).
  const net = await import('node:net');
  const bound = path.join(env.dir, 'a.sock');
  const stale = path.join(env.dir, 's.sock');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(bound, r));
  fs.renameSync(bound, stale);
  await new Promise<void>((r) => srv.close(() => r()));
  t.true(fs.lstatSync(stale).isSocket());
  const gw2 = await startGateway({ api: env.api, store: env.store, log: silentLogger(), socketPath: stale, endpointFile: path.join(env.dir, 'e3.json'), info: INFO });
  t.teardown(() => gw2.close());
  const c2 = await connect({ socketPath: stale, token: gw2.token });
  t.teardown(() => c2.close());
  t.is((await c2.hello()).protocol, PROTOCOL_VERSION);
});

test('tokensEqual and checkUpgrade are strict', (t) => {
  t.true(tokensEqual('abc', 'abc'));
  t.false(tokensEqual('abc', 'abd'));
  t.false(tokensEqual('abc', 'abcd'));
  const base = { token: 'tok', port: 1234, via: 'tcp' as const };
  t.like(checkUpgrade({ authorization: 'Bearer tok', 'sec-websocket-protocol': 'rdd.v1.msgpack' }, base), { ok: true, encoding: 'msgpack' });
  t.like(checkUpgrade({ authorization: 'bearer tok', 'sec-websocket-protocol': 'x, rdd.v1.json' }, base), { ok: true, encoding: 'json' });
  t.like(checkUpgrade({ 'sec-websocket-protocol': 'rdd.v1.json, rdd.token.tok' }, base), { ok: true });
  t.like(checkUpgrade({ authorization: 'Basic tok', 'sec-websocket-protocol': 'rdd.v1.json' }, base), { ok: false, status: 401 });
  t.like(checkUpgrade({ authorization: 'Bearer tok', origin: 'http://LOCALHOST:1234', 'sec-websocket-protocol': 'rdd.v1.json' }, base), { ok: true });
});
