// The status page in real Chromium: (1) first paint of a page with 20 LimaVMs and their
// conditions, from the socket opening to the picture being complete (the page's own performance
// marks); (2) how long a condition change takes from the store commit to the DOM (a
// MutationObserver in the page stamps the moment the new message appears). Prints one JSON object.
// Targets (docs/dashboard.md): first paint < 300 ms, change → DOM p99 < 50 ms.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { createApi, defaultHooks } from '../../src/admission/index.js';
import type { Condition } from '../../src/api/index.js';
import { defaultAssetsDir } from '../../src/dashboard/server/static.js';
import { silentLogger } from '../../src/log.js';
import { openStore } from '../../src/store/index.js';
import { connect, startGateway } from '../../src/transport/index.js';

const VMS = 20;
const LOADS = 10;
const CHANGES = 200;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN) * 10) / 10;
};
const stamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-bench-dash-'));
  process.env.RDD_HOME = dir;
  const log = silentLogger();
  const store = openStore({ path: path.join(dir, 'state.db'), log });
  const api = createApi({ store, log, hooks: defaultHooks({ templateValidator: { validate: () => Promise.resolve({ ok: true as const }) } }) });
  await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  await api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tpl', namespace: 'default' }, data: { template: 'images: []\n' } });
  const conditionsOf = (i: number, message: string): Condition[] => [
    { type: 'Created', status: 'True', reason: 'Created', message: 'Lima instance created', lastTransitionTime: stamp() },
    { type: 'Running', status: 'True', reason: 'Started', message, lastTransitionTime: stamp() },
    { type: 'Deleting', status: 'False', reason: 'NotDeleting', message: `vm ${i}`, lastTransitionTime: stamp() },
  ];
  for (let i = 0; i < VMS; i++) {
    const name = `vm${String(i).padStart(2, '0')}`;
    await api.create({ apiVersion: 'lima.rancherdesktop.io/v1alpha1', kind: 'LimaVM', metadata: { name, namespace: 'default' }, spec: { templateRef: { name: 'tpl' }, running: true } });
    store.patch('LimaVM', 'default', name, { status: { restartCount: 1, conditions: conditionsOf(i, 'Lima instance is running') } }, { subresource: 'status' });
  }
  const gw = await startGateway({
    api,
    store,
    log,
    socketPath: path.join(dir, 'gw.sock'),
    endpointFile: path.join(dir, 'endpoint.json'),
    info: { version: 'bench', protocol: 1, pid: process.pid, startedAt: new Date().toISOString(), instance: 'bench', lima: { kind: 'simulator', path: '' } },
    dashboard: { assetsDir: defaultAssetsDir(), keyFile: path.join(dir, 'dashboard.key') },
  });
  const port = new URL(gw.url).port;
  const client = await connect({ url: gw.url, token: gw.token });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rdd-bench-chromium-'));
  const executablePath = process.env.RDD_CHROMIUM ?? execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // (1) first paint, over fresh page loads.
    const firstPaint: number[] = [];
    let page = await ctx.newPage();
    for (let i = 0; i < LOADS; i++) {
      const { code } = await client.loginCode();
      await page.goto(`http://127.0.0.1:${port}/#code=${code}`);
      await page.locator('body[data-ready="true"]').waitFor();
      const n = await page.locator('article.vm').count();
      if (n !== VMS) throw new Error(`the page shows ${n} VMs, expected ${VMS}`);
      // After one frame, so the measured picture was also painted.
      const ms = (await page.evaluate(
        `new Promise((r) => requestAnimationFrame(() => r(performance.getEntriesByName('rdd:first-render')[0].startTime - performance.getEntriesByName('rdd:socket-open')[0].startTime)))`,
      )) as number;
      firstPaint.push(ms);
      if (i < LOADS - 1) {
        await page.close();
        page = await ctx.newPage();
      }
    }

    // (2) condition change → DOM. The observer stamps the wall clock when a `bench-<n>-<t0>` message appears.
    await page.evaluate(`(() => {
      window.__seen = [];
      new MutationObserver((muts) => {
        const at = Date.now();
        for (const m of muts) for (const n of m.addedNodes) {
          const t = n.textContent || '';
          const x = /bench-(\\d+)-(\\d+)-end/.exec(t);
          // A VM's rows are rebuilt on each change: count each change once, when it first appears.
          if (x && n.nodeName === 'TR' && !window.__seen.some(([k]) => k === Number(x[1]))) window.__seen.push([Number(x[1]), at - Number(x[2])]);
        }
      }).observe(document.getElementById('vm-list'), { childList: true, subtree: true });
    })()`);
    for (let n = 0; n < CHANGES; n++) {
      const i = n % VMS;
      const name = `vm${String(i).padStart(2, '0')}`;
      store.patch('LimaVM', 'default', name, { status: { conditions: conditionsOf(i, `bench-${n}-${Date.now()}-end`) } }, { subresource: 'status' });
      await page.waitForFunction((k: number) => (globalThis as unknown as { __seen: [number, number][] }).__seen.some(([x]) => x === k), n, { polling: 'raf' });
    }
    const seen = (await page.evaluate('window.__seen')) as [number, number][];
    const lat = seen.map(([, ms]) => ms);
    process.stdout.write(
      `${JSON.stringify({
        vms: VMS,
        // The first load is cold (nothing compiled or cached yet); the later ones are what a reload costs.
        firstPaintMs: { loads: LOADS, cold: Math.round((firstPaint[0] ?? NaN) * 10) / 10, p50: pct(firstPaint, 50), max: pct(firstPaint, 100), target: 300 },
        conditionToDomMs: { changes: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: pct(lat, 100), target: 50 },
        bundleBytes: fs.statSync(path.join(defaultAssetsDir(), 'app.js')).size,
      })}\n`,
    );
  } finally {
    await ctx.close();
    client.close();
    await gw.close({ timeoutMs: 2000 });
    store.close();
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
