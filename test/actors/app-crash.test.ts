// A5: the daemon is killed between creating the input ConfigMap and creating the LimaVM; on
// restart the App resumes and converges to exactly one VM and no leftover ConfigMap.
// Simulator layer: it needs a real daemon process to kill, so it runs on the simulator in real time.
import test from 'ava';
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCondition, type App } from '../../src/api/index.js';
import { connect } from '../../src/transport/index.js';
import { fastConfig } from '../helpers/core.js';
import { reapUnder, waitFor } from '../lima/helpers/sim.js';

const SERVE = fileURLToPath(new URL('../fixtures/serve-daemon.js', import.meta.url));

function daemon(home: string, env: Record<string, string> = {}): ResultPromise {
  return execa(process.execPath, [SERVE], {
    env: { RDD_HOME: home, RDD_INSTANCE: '2', ...env },
    reject: false,
    stdout: 'ignore',
    stderr: 'ignore',
  });
}

test('a kill between the input ConfigMap and the LimaVM converges on restart', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rddc-'));
  const dir = join(home, 'instances', '2');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(fastConfig));
  const endpoint = join(dir, 'endpoint.json');
  t.teardown(async () => {
    await reapUnder(home);
    rmSync(home, { recursive: true, force: true });
  });

  const first = daemon(home, { RDD_FAULT_POINT: 'app.afterInputConfigMap' });
  const c1 = await waitFor('the first daemon', () => connect({ endpointFile: endpoint }).catch(() => undefined));
  await c1.create({ apiVersion: 'app.rancherdesktop.io/v1alpha1', kind: 'App', metadata: { name: 'app' }, spec: { running: true } });
  const r1 = await first;
  c1.close();
  t.is(r1.signal, 'SIGKILL', 'the daemon died at the fault point');

  const second = daemon(home);
  t.teardown(() => {
    second.kill('SIGTERM');
  });
  const c2 = await waitFor('the second daemon', async () => {
    try {
      const c = await connect({ endpointFile: endpoint });
      await c.hello();
      return c;
    } catch {
      return undefined;
    }
  });
  t.teardown(() => c2.close());
  const settled = await c2.waitForCondition('App', 'app', { type: 'Settled', status: 'True', timeoutMs: 60_000 });
  t.is(settled.reason, 'Settled');
  const vms = await c2.list('LimaVM');
  t.deepEqual(vms.items.map((v) => v.metadata.name), ['rd']);
  const cms = await c2.list('ConfigMap', { namespace: 'default' });
  t.deepEqual(cms.items.map((c) => c.metadata.name), ['rd-template']);
  const app = await c2.get<App>('App', 'app');
  t.is(findCondition(app.status?.conditions, 'Running')?.status, 'True');
  second.kill('SIGTERM');
  const r2 = await second;
  t.is(r2.exitCode, 0, 'graceful shutdown');
});
