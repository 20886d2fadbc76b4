// Fixtures for Kubernetes API tests: a real store + admission Api in a temp dir, the HTTPS
// server on an OS-picked port with its own CA, and a small HTTPS client that trusts that CA.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { ExecutionContext } from 'ava';
import { createApi, defaultHooks, type Api } from '../../src/admission/index.js';
import { ensureTls, renderKubeconfig, startKubeApi, type KubeApi, type KubeLimits, type TlsMaterial } from '../../src/kubeapi/index.js';
import { silentLogger } from '../../src/log.js';
import { openStore, type Store } from '../../src/store/index.js';
import { yamlValidator } from '../transport/helpers.js';

export const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvw';

export interface Reply {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly text: string;
  /** The parsed JSON body (undefined when it is not JSON). */
  readonly json: Record<string, unknown>;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** A raw body (sent as is). */
  readonly raw?: string | Buffer;
  readonly contentType?: string;
  readonly accept?: string;
  /** null sends no Authorization header. */
  readonly token?: string | null;
}

export interface KubeEnv {
  readonly dir: string;
  readonly store: Store;
  readonly api: Api;
  readonly kube: KubeApi;
  readonly tls: TlsMaterial;
  readonly kubeconfig: string;
  request(method: string, urlPath: string, o?: RequestOptions): Promise<Reply>;
  /** Opens a watch; the response stream is returned undrained (for backpressure tests) or read by `lines`. */
  stream(urlPath: string, o?: RequestOptions): Promise<IncomingMessage>;
}

let sharedTls: { dir: string; tls: TlsMaterial } | undefined;

/** One CA per test process: making RSA keys is the slow part, and the tests do not need fresh ones. */
function testTls(): TlsMaterial {
  if (!sharedTls) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-kube-tls-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    sharedTls = { dir, tls: ensureTls(dir, { commonName: 'rdd-test-ca' }) };
  }
  return sharedTls.tls;
}

export async function startKubeEnv(t: ExecutionContext, o: { limits?: Partial<KubeLimits>; storeKeep?: number } = {}): Promise<KubeEnv> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-kube-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  process.env.RDD_HOME = dir;
  const log = silentLogger();
  const store = openStore({ path: path.join(dir, 'state.db'), log, ...(o.storeKeep ? { compaction: { keep: o.storeKeep } } : {}) });
  const api = createApi({ store, hooks: defaultHooks({ templateValidator: yamlValidator }), log });
  api.sync.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const tls = testTls();
  const kube = await startKubeApi({ api, store, log, token: TOKEN, tls, ...(o.limits ? { limits: o.limits } : {}) });
  t.teardown(async () => {
    await kube.close({ timeoutMs: 2_000 });
    store.close();
  });
  const agent = new https.Agent({ ca: tls.caPem, keepAlive: false });
  const open = (method: string, urlPath: string, ro: RequestOptions = {}): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const body = ro.raw ?? (ro.body !== undefined ? JSON.stringify(ro.body) : undefined);
      const headers: Record<string, string> = {};
      if (ro.token !== null) headers.Authorization = `Bearer ${ro.token ?? TOKEN}`;
      if (body !== undefined) {
        headers['Content-Type'] = ro.contentType ?? 'application/json';
        // Node sends a DELETE body without chunking, so it needs a length.
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      if (ro.accept) headers.Accept = ro.accept;
      const req = https.request(`${kube.url}${urlPath}`, { method, agent, headers }, resolve);
      req.on('error', reject);
      if (body !== undefined) req.end(body);
      else req.end();
    });
  return {
    dir,
    store,
    api,
    kube,
    tls,
    kubeconfig: renderKubeconfig({ server: kube.url, caPem: tls.caPem, token: TOKEN, name: 'rdd-test' }),
    stream: (urlPath, ro) => open('GET', urlPath, ro),
    async request(method, urlPath, ro) {
      const res = await open(method, urlPath, ro);
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // Not JSON (health answers); tests look at text.
      }
      return { status: res.statusCode ?? 0, headers: res.headers, text, json };
    },
  };
}

/** Reads newline-delimited watch events from a response until `until` returns true or the stream ends. */
export async function readEvents(
  res: IncomingMessage,
  until: (events: Array<{ type: string; object: Record<string, unknown> }>) => boolean,
): Promise<Array<{ type: string; object: Record<string, unknown> }>> {
  const events: Array<{ type: string; object: Record<string, unknown> }> = [];
  let buf = '';
  for await (const c of res) {
    buf += (c as Buffer).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buf.slice(0, nl)) as { type: string; object: Record<string, unknown> });
      buf = buf.slice(nl + 1);
    }
    if (until(events)) {
      res.destroy();
      break;
    }
  }
  return events;
}

export const cm = (name: string, data: Record<string, string> = { k: 'v' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
  data,
});

export const CM_PATH = '/api/v1/namespaces/default/configmaps';
