import test from 'ava';
import { checkSocketPaths, instanceIndex, pathEntries, resolveInstance, resolvePaths } from '../../src/service/instance.js';
import { acquirePidFile, runningPid } from '../../src/service/pidfile.js';
import { loadDaemonConfig, defaultDaemonConfig } from '../../src/service/config.js';
import { limaVM, startTestCore, templateConfigMap } from '../helpers/core.js';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('the instance index: 1-99 for numbers, 100 + code point sum mod 100 otherwise', (t) => {
  t.is(instanceIndex('2'), 2);
  t.is(instanceIndex('99'), 99);
  t.is(instanceIndex('100'), 100 + ((49 + 48 + 48) % 100));
  t.is(instanceIndex('bats'), 126);
  t.is(instanceIndex('dev'), 119);
});

test('the --instance flag wins over RDD_INSTANCE; the default is "2"', (t) => {
  t.is(resolveInstance(undefined, {}).name, '2');
  t.is(resolveInstance(undefined, { RDD_INSTANCE: 'dev' }).name, 'dev');
  t.is(resolveInstance('other', { RDD_INSTANCE: 'dev' }).name, 'other');
  t.is(resolveInstance('dev', {}).displayName, 'rancher-desktop-dev');
});

test('an invalid instance name is a clear 400', (t) => {
  for (const bad of ['', '../x', 'a b', '-x', 'x'.repeat(40)]) {
    const e = t.throws(() => resolveInstance(bad, {}));
    t.regex(e?.message ?? '', /invalid instance name/);
  }
});

test('RDD_HOME roots every path; instances never share one', (t) => {
  const a = resolvePaths(resolveInstance('2', {}), { RDD_HOME: '/h' });
  const b = resolvePaths(resolveInstance('dev', {}), { RDD_HOME: '/h' });
  for (const [, p] of pathEntries(a)) t.true(p.startsWith('/h'), p);
  // home and the port claims directory are shared on purpose (claims keep instances apart).
  const own = ([k]: [string, string]): boolean => k !== 'home' && k !== 'ports_dir';
  const av = new Set(pathEntries(a).filter(own).map(([, p]) => p));
  t.deepEqual(pathEntries(b).filter(own).map(([, p]) => p).filter((p) => av.has(p)), []);
  t.is(a.portsDir, b.portsDir);
  t.is(a.limaHome, '/h/.rd2/lima');
  t.is(a.store, '/h/instances/2/state.db');
});

test('a socket path over the Unix limit fails with a message that says what to do', (t) => {
  const paths = resolvePaths(resolveInstance('2', {}), { RDD_HOME: `/${'x'.repeat(90)}` });
  const e = t.throws(() => checkSocketPaths(paths));
  t.regex(e?.message ?? '', /over the 103-byte Unix socket limit; set RDD_HOME to a shorter directory/);
  t.notThrows(() => checkSocketPaths(resolvePaths(resolveInstance('2', {}), { RDD_HOME: '/tmp/h' })));
});

test('the pid file: one owner at a time; a stale one is replaced; release removes only ours', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rdd-pid-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rdd.pid');
  const release = acquirePidFile(file);
  t.is(runningPid(file), process.pid);
  // Another live process (pid 1) owning it: refused with the pid in the message.
  writeFileSync(file, '1\n');
  const e = t.throws(() => acquirePidFile(file, 424242));
  t.regex(e?.message ?? '', /already running for this instance \(pid 1/);
  // A dead pid is stale: taken over.
  writeFileSync(file, '999999999\n');
  const release2 = acquirePidFile(file);
  t.is(runningPid(file), process.pid);
  release();
  release2();
  t.is(runningPid(file), undefined);
});

test('daemon config: defaults, then config.json, then the environment', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rdd-cfg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  t.deepEqual(loadDaemonConfig(file, {}), defaultDaemonConfig);
  writeFileSync(file, JSON.stringify({ stopGraceMs: 5 }));
  t.is(loadDaemonConfig(file, {}).stopGraceMs, 5);
  const c = loadDaemonConfig(file, { RDD_SHUTDOWN_GRACE: '7', RDD_LIMACTL: '/x/limactl', RDD_VM_CPUS: '3' });
  t.like(c, { shutdownGraceMs: 7000, limactl: '/x/limactl', vmCpus: '3' });
  t.throws(() => loadDaemonConfig(file, { RDD_SHUTDOWN_GRACE: 'soon' }), { message: /invalid RDD_SHUTDOWN_GRACE value "soon"/ });
  writeFileSync(file, '{nope');
  t.throws(() => loadDaemonConfig(file, {}), { message: /cannot read the daemon config/ });
});

// validate's temporary templates live in the service dir, which a daemon start empties, so a
// daemon killed mid-validate leaves nothing behind in $TMPDIR (issue 11, item 11a).
test('validate writes under the service dir; a daemon start removes what a killed daemon left', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rddt-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const paths = resolvePaths(resolveInstance('2', {}), { RDD_HOME: home });
  // What a daemon killed during `limactl validate` leaves.
  const leftover = join(paths.tmpDir, 'rdd-validate-AbC123');
  mkdirSync(leftover, { recursive: true });
  writeFileSync(join(leftover, 'vm1.yaml'), 'images: []\n');

  const tc = await startTestCore(t, { home });
  t.false(existsSync(leftover));

  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1'));
  const files = tc.calls().flatMap((c) => (c.kind === 'call' && c.argv.includes('validate') ? [c.argv.at(-1) ?? ''] : []));
  t.true(files.length > 0, 'admission ran limactl validate');
  for (const f of files) t.true(f.startsWith(join(paths.tmpDir, 'rdd-validate-')), f);
  t.deepEqual(readdirSync(paths.tmpDir), [], 'each validate removes its own directory');
});
