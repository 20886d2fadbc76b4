// The daemon side of the gateway bench, in its own process (so its memory and event loop are its
// own): a store, the admission Api, the gateway, and a bare `ws` server for the baseline.
// Driven over IPC by main.ts.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { createApi, defaultHooks } from '../../src/admission/index.js';
import { silentLogger } from '../../src/log.js';
import { openStore } from '../../src/store/index.js';
import { startGateway } from '../../src/transport/index.js';

export type Command =
  | { cmd: 'init' }
  | { cmd: 'write'; round: number }
  | { cmd: 'raw-send'; frame: string }
  | { cmd: 'mem' }
  | { cmd: 'counts' }
  | { cmd: 'close' };

const now = (): number => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-bench-gw-'));
  process.env.RDD_HOME = dir;
  const log = silentLogger();
  const store = openStore({ path: path.join(dir, 'state.db'), log });
  const api = createApi({
    store,
    log,
    hooks: defaultHooks({ templateValidator: { validate: () => Promise.resolve({ ok: true as const }) } }),
  });
  await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  await api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tpl', namespace: 'default' }, data: { template: 'images: []\n' } });
  await api.create({
    apiVersion: 'lima.rancherdesktop.io/v1alpha1',
    kind: 'LimaVM',
    metadata: { name: 'vm', namespace: 'default' },
    spec: { templateRef: { name: 'tpl' }, running: false },
  });
  // Registered before the gateway's own listener, so it runs first for every committed change:
  // the moment the fan-out starts.
  let published = 0;
  store.subscribe(() => {
    published = now();
  });
  const gw = await startGateway({
    api,
    store,
    log,
    socketPath: path.join(dir, 'gw.sock'),
    endpointFile: path.join(dir, 'endpoint.json'),
    info: { version: 'bench', protocol: 1, pid: process.pid, startedAt: new Date().toISOString(), instance: 'bench', lima: { kind: 'simulator', path: '' } },
    // The bench opens many connections at once; keep heartbeats out of the measurement.
    limits: { heartbeatMs: 600_000 },
  });

  const rawClients = new Set<WebSocket>();
  const rawHttp = http.createServer();
  const raw = new WebSocketServer({ server: rawHttp, perMessageDeflate: false, maxPayload: 256 * 1024 });
  raw.on('connection', (ws) => {
    rawClients.add(ws);
    ws.on('error', () => undefined);
    ws.on('close', () => rawClients.delete(ws));
  });
  await new Promise<void>((r) => rawHttp.listen(0, '127.0.0.1', r));
  const rawUrl = `ws://127.0.0.1:${(rawHttp.address() as AddressInfo).port}`;

  const reply = (m: unknown): void => {
    process.send!(m);
  };
  process.on('message', (m: Command) => {
    switch (m.cmd) {
      case 'init':
        return reply({ url: gw.url, token: gw.token, rawUrl });
      case 'write': {
        // One status write, as the VM's actor makes it: a condition changes.
        const t0 = now();
        const cond = { type: 'Running', status: m.round % 2 ? 'True' : 'False', reason: m.round % 2 ? 'Started' : 'Stopped', message: `round-${m.round}`, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
        store.patch('LimaVM', 'default', 'vm', { status: { conditions: [cond] } }, { subresource: 'status' });
        // The feed is synchronous: every frame has been handed to its socket by now.
        return reply({ t0, tPub: published, t1: now() });
      }
      case 'raw-send': {
        const buf = Buffer.from(m.frame, 'base64');
        const t0 = now();
        for (const ws of rawClients) ws.send(buf, { binary: true });
        return reply({ t0, tPub: t0, t1: now() });
      }
      case 'mem': {
        (globalThis as { gc?: () => void }).gc?.();
        (globalThis as { gc?: () => void }).gc?.();
        return reply(process.memoryUsage());
      }
      case 'counts':
        return reply({ gateway: gw.stats().connections.length, raw: rawClients.size });
      case 'close':
        void (async () => {
          for (const ws of rawClients) ws.terminate();
          raw.close();
          rawHttp.close();
          await gw.close({ timeoutMs: 5000 });
          store.close();
          fs.rmSync(dir, { recursive: true, force: true });
          reply({ closed: true });
          process.exit(0);
        })();
        return;
    }
  });
  process.send!({ ready: true });
}

void main();
