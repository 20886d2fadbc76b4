// Fixtures for gateway tests: a real store + admission Api in a temp dir, a gateway on an
// OS-picked port and a short Unix socket path, and a raw WebSocket peer for protocol-level tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { Packr, Unpackr } from 'msgpackr';
import { WebSocket, type RawData } from 'ws';
import { parse as parseYaml } from 'yaml';
import type { Resource, ResourceInput } from '../../src/api/index.js';
import { createApi, defaultHooks, type Api, type TemplateValidator } from '../../src/admission/index.js';
import { silentLogger } from '../../src/log.js';
import { openStore, type Store } from '../../src/store/index.js';
import {
  connect,
  startGateway,
  type Client,
  type ConnectOptions,
  type DaemonInfo,
  type Encoding,
  type Gateway,
  type GatewayOptions,
  type Limits,
} from '../../src/transport/index.js';

export const yamlValidator: TemplateValidator = {
  validate(_name, template) {
    try {
      parseYaml(template);
      return Promise.resolve({ ok: true });
    } catch (e) {
      return Promise.resolve({ ok: false, message: (e as Error).message });
    }
  },
};

export const INFO: DaemonInfo = {
  version: '0.1.0-test',
  protocol: 1,
  pid: process.pid,
  startedAt: '2026-01-02T03:04:05Z',
  instance: 'test',
  lima: { kind: 'simulator', path: '/nonexistent/rdd-limactl-sim' },
};

export function tempDir(t: ExecutionContext, prefix = 'rdd-gw-'): string {
  // Short: a Unix socket path must stay under ~104 bytes.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Env {
  readonly dir: string;
  readonly store: Store;
  readonly api: Api;
  readonly gw: Gateway;
  readonly endpointFile: string;
  /** A client over the endpoint file (closed at teardown). */
  client(o?: Partial<ConnectOptions>): Promise<Client>;
}

export async function startEnv(
  t: ExecutionContext,
  o: { limits?: Partial<Limits>; extra?: Partial<GatewayOptions>; storeKeep?: number } = {},
): Promise<Env> {
  const dir = tempDir(t);
  process.env.RDD_HOME = dir;
  process.env.LIMA_HOME = path.join(dir, 'lima');
  const log = silentLogger();
  const store = openStore({ path: path.join(dir, 'state.db'), log, ...(o.storeKeep ? { compaction: { keep: o.storeKeep } } : {}) });
  const api = createApi({ store, hooks: defaultHooks({ templateValidator: yamlValidator }), log });
  const endpointFile = path.join(dir, 'svc', 'endpoint.json');
  const gw = await startGateway({
    api,
    store,
    log,
    socketPath: path.join(dir, 'gw.sock'),
    endpointFile,
    info: INFO,
    ...(o.limits ? { limits: o.limits } : {}),
    ...o.extra,
  });
  const clients: Client[] = [];
  t.teardown(async () => {
    for (const c of clients) c.close();
    await gw.close({ timeoutMs: 5000 });
    store.close();
  });
  await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return {
    dir,
    store,
    api,
    gw,
    endpointFile,
    async client(co = {}) {
      const c = await connect({ endpointFile, requestTimeoutMs: 20_000, ...co });
      clients.push(c);
      return c;
    },
  };
}

export function configMap(name: string, data: Record<string, string> = { k: 'v' }, namespace = 'default'): ResourceInput {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/** A template ConfigMap and a LimaVM using it, created through admission. */
export async function createVM(api: Api, name: string, namespace = 'default'): Promise<Resource> {
  if (!api.store.get('ConfigMap', namespace, 'tpl')) {
    await api.create(configMap('tpl', { template: 'images: []\n' }, namespace));
  }
  return api.create({
    apiVersion: 'lima.rancherdesktop.io/v1alpha1',
    kind: 'LimaVM',
    metadata: { name, namespace },
    spec: { templateRef: { name: 'tpl' }, running: false },
  });
}

/** Writes a condition into a LimaVM's status as its actor would (straight to the store). */
export function setVMCondition(
  store: Store,
  name: string,
  c: { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message?: string; lastTransitionTime?: string },
  namespace = 'default',
): Resource {
  const cur = store.mustGet('LimaVM', namespace, name);
  const conds = [...(((cur.status as { conditions?: unknown[] } | undefined)?.conditions ?? []) as Record<string, unknown>[])];
  const i = conds.findIndex((x) => x.type === c.type);
  const prev = i >= 0 ? conds[i] : undefined;
  const next = {
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message ?? '',
    lastTransitionTime: c.lastTransitionTime ?? (prev && prev.status === c.status ? (prev.lastTransitionTime as string) : new Date().toISOString().replace(/\.\d+Z$/, 'Z')),
  };
  if (i >= 0) conds[i] = next;
  else conds.push(next);
  return store.patch('LimaVM', namespace, name, { status: { conditions: conds } }, { subresource: 'status' });
}

// ---- a raw protocol peer --------------------------------------------------------------------

export interface RawPeer {
  readonly ws: WebSocket;
  readonly encoding: Encoding;
  send(msg: unknown): void;
  sendRaw(data: Buffer | string, binary: boolean): void;
  /** The next decoded message (waits up to timeoutMs). */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Waits for the next message matching `pred`, dropping others. */
  until(pred: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the close code. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly received: Record<string, unknown>[];
  close(): void;
}

export interface RawOptions {
  encoding?: Encoding;
  via?: 'tcp' | 'unix';
  token?: string | null;
  tokenIn?: 'header' | 'protocol';
  origin?: string;
  protocols?: string[];
}

/** Opens a raw WebSocket; rejects with the HTTP status when the upgrade is refused. */
export function rawConnect(t: ExecutionContext, gw: Gateway, o: RawOptions = {}): Promise<RawPeer> {
  const encoding = o.encoding ?? 'json';
  const protocols = o.protocols ?? [encoding === 'json' ? 'rdd.v1.json' : 'rdd.v1.msgpack'];
  const token = o.token === undefined ? gw.token : o.token;
  const headers: Record<string, string> = {};
  if (token !== null && (o.tokenIn ?? 'header') === 'header') headers.Authorization = `Bearer ${token}`;
  if (token !== null && o.tokenIn === 'protocol') protocols.push(`rdd.token.${token}`);
  if (o.origin) headers.Origin = o.origin;
  const address = o.via === 'unix' ? `ws+unix:${gw.socketPath}:/` : gw.url;
  const ws = new WebSocket(address, protocols, { headers, perMessageDeflate: false });
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false, int64AsType: 'number' });
  const received: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let cursor = 0;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of waiters.splice(0)) w();
    }),
  );
  ws.on('message', (data: RawData, isBinary) => {
    const buf = data as Buffer;
    received.push((isBinary ? unpackr.unpack(buf) : JSON.parse(buf.toString('utf8'))) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  t.teardown(() => ws.terminate());
  const peer: RawPeer = {
    ws,
    encoding,
    received,
    closed,
    send(msg) {
      if (encoding === 'json') ws.send(JSON.stringify(msg));
      else ws.send(packr.pack(msg));
    },
    sendRaw(data, binary) {
      ws.send(data, { binary });
    },
    async next(timeoutMs = 10_000) {
      return peer.until(() => true, timeoutMs);
    },
    async until(pred, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (cursor < received.length) {
          const m = received[cursor++]!;
          if (pred(m)) return m;
        }
        if (ws.readyState === WebSocket.CLOSED) throw new Error('connection closed while waiting for a message');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('timed out waiting for a message');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close() {
      ws.close();
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', reject);
    ws.once('open', () => resolve(peer));
  });
}

/** Polls `cond` until it holds (bounded), for conditions that have no event to wait on. */
export async function eventually(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
