import test from 'ava';
import { checkSocketPaths, instanceIndex, pathEntries, resolveInstance, resolvePaths } from '../../src/service/instance.js';
import { acquirePidFile, runningPid } from '../../src/service/pidfile.js';
import { loadDaemonConfig, defaultDaemonConfig } from '../../src/service/config.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
