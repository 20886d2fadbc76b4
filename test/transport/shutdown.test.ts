// Shutdown: stop accepting, let in-flight requests finish, then close every client with 1001.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { createApi, defaultHooks } from '../../src/admission/index.js';
import { TEMPLATE_CONFIGMAP_LABEL } from '../../src/api/index.js';
import { silentLogger } from '../../src/log.js';
import { CloseCodes, connect, isDaemonNotRunning, startGateway } from '../../src/transport/index.js';
import { INFO, configMap, eventually, rawConnect, startEnv } from './helpers.js';

test('close: in-flight requests finish, later ones get 503, then 1001; files are removed', async (t) => {
  const env = await startEnv(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let validating = false;
  const api = createApi({
    store: env.store,
    log: silentLogger(),
    hooks: defaultHooks({
      templateValidator: {
        validate: async () => {
          validating = true;
          await gate;
          return { ok: true };
        },
      },
    }),
  });
  const endpointFile = path.join(env.dir, 'sd.json');
  const gw = await startGateway({ api, store: env.store, log: silentLogger(), socketPath: path.join(env.dir, 'sd.sock'), endpointFile, info: INFO });
  const busy = await rawConnect(t, gw);
  const idle = await rawConnect(t, gw, { encoding: 'msgpack', via: 'unix' });
  const tpl = configMap('tpl', { template: 'a: 1\n' });
  tpl.metadata.labels = { [TEMPLATE_CONFIGMAP_LABEL]: 'true' };
  busy.send({ id: 1, op: 'create', object: tpl });
  await eventually(() => validating);

  const closing = gw.close({ timeoutMs: 20_000 });
  // New connections are refused at once.
  await t.throwsAsync(rawConnect(t, gw));
  // A request arriving during shutdown is refused with a typed 503.
  busy.send({ id: 2, op: 'hello' });
  t.like(await busy.until((m) => m.id === 2), { ok: false, error: { code: 503, reason: 'ServiceUnavailable' } });
  // The idle client is told to go away now.
  t.is((await idle.closed).code, CloseCodes.GoingAway);
  // The busy one keeps its connection until its write is done.
  t.is(busy.ws.readyState, busy.ws.OPEN);
  release();
  t.like(await busy.until((m) => m.id === 1), { ok: true, result: { metadata: { name: 'tpl' } } });
  t.is((await busy.closed).code, CloseCodes.GoingAway);
  await closing;
  t.truthy(env.store.get('ConfigMap', 'default', 'tpl'));
  t.false(fs.existsSync(endpointFile));
  t.false(fs.existsSync(path.join(env.dir, 'sd.sock')));
  // A client now finds no daemon.
  t.true(isDaemonNotRunning(await t.throwsAsync(connect({ socketPath: path.join(env.dir, 'sd.sock'), token: gw.token }))));
});

test('close terminates peers that never answer the close handshake', async (t) => {
  const env = await startEnv(t, { limits: { closeGraceMs: 100 } });
  const peer = await rawConnect(t, env.gw);
  await eventually(() => env.gw.stats().connections.length === 1);
  (peer.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
  // Without the grace timer this would hang for ws's 30 s close timeout (and fail this limit).
  t.timeout(20_000);
  await env.gw.close({ timeoutMs: 60_000 });
  t.is(env.gw.stats().connections.length, 0);
});
