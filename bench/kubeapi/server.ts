// The daemon side of the Kubernetes API bench, in its own process: a store, the admission Api,
// the WebSocket gateway and the Kubernetes API on the same store. Driven over IPC by main.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApi, defaultHooks } from '../../src/admission/index.js';
import { ensureTls, startKubeApi } from '../../src/kubeapi/index.js';
import { silentLogger } from '../../src/log.js';
import { openStore } from '../../src/store/index.js';
import { startGateway } from '../../src/transport/index.js';
import { generateToken } from '../../src/transport/server/auth.js';

export type Command = { cmd: 'init' } | { cmd: 'write'; name: string; round: number } | { cmd: 'close' };

export interface InitReply {
  readonly gatewayUrl: string;
  readonly kubeUrl: string;
  readonly token: string;
  readonly caPem: string;
  readonly objects: number;
}

export const LIST_OBJECTS = 200;
const now = (): number => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-bench-kube-'));
  process.env.RDD_HOME = dir;
  const log = silentLogger();
  const store = openStore({ path: path.join(dir, 'state.db'), log });
  const api = createApi({ store, log, hooks: defaultHooks({ templateValidator: { validate: () => Promise.resolve({ ok: true as const }) } }) });
  await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  for (let i = 0; i < LIST_OBJECTS; i++) {
    api.sync.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${String(i).padStart(3, '0')}`, namespace: 'default', labels: { bench: 'list' } }, data: { key: 'v'.repeat(200) } });
  }
  for (const name of ['hot-kube', 'hot-gateway']) api.sync.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { round: '0' } });
  const token = generateToken();
  const tls = ensureTls(path.join(dir, 'tls'), { commonName: 'rdd-bench-ca' });
  const kube = await startKubeApi({ api, store, log, token, tls });
  const gw = await startGateway({
    api,
    store,
    log,
    token,
    socketPath: path.join(dir, 'gw.sock'),
    endpointFile: path.join(dir, 'endpoint.json'),
    info: { version: 'bench', protocol: 1, pid: process.pid, startedAt: new Date().toISOString(), instance: 'bench', lima: { kind: 'simulator', path: '' } },
    limits: { heartbeatMs: 600_000 },
  });
  process.on('message', (m: Command) => {
    switch (m.cmd) {
      case 'init': {
        const r: InitReply = { gatewayUrl: gw.url, kubeUrl: kube.url, token, caPem: tls.caPem, objects: LIST_OBJECTS };
        process.send!(r);
        return;
      }
      case 'write': {
        const t0 = now();
        store.patch('ConfigMap', 'default', m.name, { data: { round: String(m.round) } });
        process.send!({ t0 });
        return;
      }
      case 'close':
        void Promise.all([gw.close({ timeoutMs: 1000 }), kube.close({ timeoutMs: 1000 })]).then(() => {
          store.close();
          fs.rmSync(dir, { recursive: true, force: true });
          process.exit(0);
        });
    }
  });
  process.send!({ ready: true });
}

void main();
