// End to end: the real kubectl (from PATH, through `rdd kubectl`) against a real daemon running
// the Lima simulator. kubectl's discovery cache and HOME stay inside the test's RDD_HOME.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import type { Resource } from '../../src/api/index.js';
import { conditionOf, rddHome, until, type RddHome, type RunResult } from '../cli/helpers/harness.js';

const APP_YAML = (extra = '') => `apiVersion: app.rancherdesktop.io/v1alpha1
kind: App
metadata:
  name: app
${extra}spec:
  running: true
`;

function kubectl(h: RddHome, args: string[], o: { input?: string } = {}): Promise<RunResult> {
  return h.run(['kubectl', ...args], { env: { HOME: h.home }, ...(o.input !== undefined ? { input: o.input } : {}) });
}

function ok(t: { is(a: unknown, b: unknown, m?: string): void }, r: RunResult, what: string): string {
  t.is(r.exitCode, 0, `${what}: ${r.stderr}`);
  return r.stdout;
}

const restarts = (vm: Resource | undefined): number => (vm?.status as { restartCount?: number } | undefined)?.restartCount ?? 0;

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('kubectl drives the App: apply, wait, get, guard, label, annotate, patch, watch, conflicts, dry run, delete', async (t) => {
  const h = rddHome(t);
  const file = join(h.home, 'app.yaml');
  writeFileSync(file, APP_YAML());

  t.regex(ok(t, await kubectl(h, ['apply', '-f', file]), 'apply (create)'), /^app\.app\.rancherdesktop\.io\/app created$/m);
  t.regex(ok(t, await kubectl(h, ['wait', '--for=condition=Settled', 'app/app', '--timeout=90s']), 'wait Settled'), /condition met/);

  const resources = ok(t, await kubectl(h, ['api-resources', '--categories=all', '-o', 'name']), 'api-resources');
  t.deepEqual(resources.trim().split('\n').sort(), ['apps.app.rancherdesktop.io', 'limavms.lima.rancherdesktop.io']);
  const all = ok(t, await kubectl(h, ['get', 'all', '-n', 'default', '-o', 'name']), 'get all');
  t.deepEqual(all.trim().split('\n').sort(), ['app.app.rancherdesktop.io/app', 'limavm.lima.rancherdesktop.io/rd']);
  const app = JSON.parse(ok(t, await kubectl(h, ['get', 'app', 'app', '-o', 'json']), 'get -o json')) as Resource;
  t.is(app.kind, 'App');
  t.is(conditionOf(app, 'Settled')?.status, 'True');
  const table = ok(t, await kubectl(h, ['get', 'limavm', '-A']), 'get limavm -A');
  t.regex(table, /^NAMESPACE\s+NAME\s+RUNNING\s+CREATED\s+STATUS\s+RESTARTS\s+AGE$/m);
  t.regex(table, /^default\s+rd\s+true\s+True\s+Started\s+1\s+/m);

  // The deletion guard, as kubectl prints a Forbidden Status.
  const guarded = await kubectl(h, ['delete', 'limavm', 'rd']);
  t.is(guarded.exitCode, 1);
  t.regex(guarded.stderr, /Error from server \(Forbidden\): cannot delete "rd": owned by App; delete the App resource instead/);
  t.truthy(await h.get('limavm', 'rd'));

  ok(t, await kubectl(h, ['label', 'app', 'app', 'team=dev']), 'label');
  ok(t, await kubectl(h, ['annotate', 'limavm', 'rd', 'note=hello']), 'annotate');
  t.is((await h.get('app', 'app'))?.metadata.labels?.team, 'dev');
  t.is((await h.get('limavm', 'rd'))?.metadata.annotations?.note, 'hello');

  // A stale replace is a 409.
  const staleFile = join(h.home, 'stale.yaml');
  writeFileSync(staleFile, ok(t, await kubectl(h, ['get', 'app', 'app', '-o', 'yaml']), 'get -o yaml'));
  ok(t, await kubectl(h, ['annotate', 'app', 'app', 'touch=1']), 'annotate app');
  const stale = await kubectl(h, ['replace', '-f', staleFile]);
  t.is(stale.exitCode, 1);
  t.regex(stale.stderr, /Error from server \(Conflict\).*the object has been modified/);

  // A watch sees the VM restart that a merge patch causes; wait follows the restart count.
  const before = restarts(await h.get('limavm', 'rd'));
  const watcher = h.spawn(['kubectl', 'get', 'limavm', '-w'], { env: { HOME: h.home } });
  let seen = '';
  watcher.stdout!.on('data', (c: Buffer) => (seen += c.toString()));
  await until('the watch to print the current row', () => (/^rd\s/m.test(seen) ? true : undefined), 60_000);
  t.regex(ok(t, await kubectl(h, ['patch', 'app', 'app', '--type=merge', '-p', '{"spec":{"virtualMachine":{"cpus":1}}}']), 'patch'), /patched/);
  const want = before + 1;
  t.regex(ok(t, await kubectl(h, ['wait', `--for=jsonpath={.status.restartCount}=${want}`, 'limavm/rd', '--timeout=90s']), 'wait jsonpath'), /condition met/);
  await until('the watch to print a change', () => (seen.split('\n').filter((l) => /^rd\s/.test(l)).length >= 2 ? true : undefined), 60_000);
  t.regex(seen, new RegExp(`^rd\\s+true\\s+True\\s+\\S+\\s+${want}\\s`, 'm'));
  watcher.kill('SIGTERM');
  await watcher;

  // apply updates; a server-side dry run stores nothing.
  writeFileSync(file, APP_YAML('  labels:\n    applied: "yes"\n'));
  t.regex(ok(t, await kubectl(h, ['apply', '-f', file]), 'apply (update)'), /app configured/);
  t.is((await h.get('app', 'app'))?.metadata.labels?.applied, 'yes');
  const rvBefore = (await h.get('app', 'app'))!.metadata.resourceVersion;
  t.regex(ok(t, await kubectl(h, ['apply', '--dry-run=server', '-f', '-'], { input: APP_YAML().replace('running: true', 'running: false') }), 'apply dry run'), /configured \(server dry run\)/);
  const after = await h.get('app', 'app');
  t.is((after?.spec as { running: boolean }).running, true);
  t.is(after?.metadata.resourceVersion, rvBefore);

  t.regex(ok(t, await kubectl(h, ['delete', 'app', 'app', '--wait', '--timeout=120s']), 'delete --wait'), /app\.app\.rancherdesktop\.io "app" deleted/);
  t.is(await h.get('app', 'app'), undefined);
  t.is(await h.get('limavm', 'rd'), undefined, 'the App waited for its VM');
  await h.shutdown(t);
});

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('rdd service kubeconfig, paths and kubectl explain; a missing kubectl is a clear error', async (t) => {
  const h = rddHome(t);
  const missing = await h.run(['kubectl', 'get', 'ns'], { env: { PATH: join(h.home, 'empty-bin') } });
  t.is(missing.exitCode, 1);
  t.regex(missing.stderr, /kubectl is not installed \(not found on PATH\)/);
  t.is(h.daemonPid(), undefined, 'no daemon was started for nothing');

  const cfg = parse(ok(t, await h.run(['service', 'kubeconfig']), 'service kubeconfig')) as {
    'current-context': string;
    clusters: Array<{ cluster: { server: string } }>;
  };
  t.is(cfg['current-context'], 'rdd-2');
  t.regex(cfg.clusters[0]!.cluster.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  const path = ok(t, await h.run(['service', 'paths', 'kubeconfig']), 'paths').trim();
  t.is(path, h.paths().kubeconfig);
  t.is(statSync(path).mode & 0o777, 0o600);

  const explain = ok(t, await kubectl(h, ['explain', 'app.spec']), 'explain');
  t.regex(explain, /KIND:\s+App/);
  t.regex(explain, /running\s+<boolean> -required-/);
  t.regex(explain, /Setting it starts or stops the VM/);
  const version = ok(t, await kubectl(h, ['version']), 'version');
  t.regex(version, /Server Version: v1\.32\.0\+rdd-/);
  // Strict field validation: kubectl learns from openapi that the server validates, and the server refuses.
  const bad = await kubectl(h, ['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nbogus: 1\n' });
  t.is(bad.exitCode, 1);
  t.regex(bad.stderr, /unknown field "bogus"/);
  await h.shutdown(t);
});
