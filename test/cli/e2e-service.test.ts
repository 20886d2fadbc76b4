// End to end: the daemon's lifecycle through `rdd service …` and the implicit start.
import test from 'ava';
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isProcessAlive } from '../../src/lima/driver/process.js';
import { conditionOf, offlineTemplate, rddHome, until } from './helpers/harness.js';

interface Status {
  instance: string;
  running: boolean;
  pid?: number;
  version?: string;
  lima?: { kind: string };
  endpoint?: { url: string; socketPath: string };
  uptimeSeconds?: number;
  ports?: Record<string, number>;
}

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('two instances run side by side with separate state and host ports; the flag wins over RDD_INSTANCE', async (t) => {
  const h = rddHome(t);
  // dev and vde have the same index, so derived ports would collide (issue 11, item 10).
  const [a, b] = await Promise.all([h.run(['start'], { instance: 'dev' }), h.run(['start'], { instance: 'vde' })]);
  t.is(a.exitCode, 0, a.stderr);
  t.is(b.exitCode, 0, b.stderr);
  const sa = await h.json<Status>(['service', 'status'], { instance: 'dev' });
  const sb = await h.json<Status>(['service', 'status'], { instance: 'vde' });
  t.true(sa.running && sb.running);
  t.not(sa.pid, sb.pid);
  t.not(sa.endpoint?.socketPath, sb.endpoint?.socketPath);
  t.not(h.paths('dev').limaHome, h.paths('vde').limaHome);
  const va = await h.get('limavm', 'rd', { instance: 'dev' });
  const vb = await h.get('limavm', 'rd', { instance: 'vde' });
  t.is(conditionOf(va, 'Running')?.status, 'True');
  t.is(conditionOf(vb, 'Running')?.status, 'True');
  t.not(va?.metadata.uid, vb?.metadata.uid);
  t.true(existsSync(join(h.paths('dev').limaHome, 'rd')) && existsSync(join(h.paths('vde').limaHome, 'rd')));
  // Each VM's template uses the SSH port its instance claimed, shown by `service status`.
  const sshA = sa.ports?.ssh;
  const sshB = sb.ports?.ssh;
  t.true(typeof sshA === 'number' && typeof sshB === 'number');
  t.not(sshA, sshB);
  for (const [inst, vm, port] of [['dev', va, sshA], ['vde', vb, sshB]] as const) {
    const cmName = (vm?.status as { templateConfigMap?: string } | undefined)?.templateConfigMap ?? '';
    const cm = await h.get<{ data: { template: string } }>('configmap', cmName, { instance: inst, namespace: vm?.metadata.namespace ?? '' });
    t.is<number | undefined, number | undefined>((parse(cm?.data.template ?? '') as { ssh: { localPort: number } }).ssh.localPort, port, inst);
    t.regex((await h.run(['service', 'status'], { instance: inst })).stdout, new RegExp(`^Host ports\\s+ssh ${port}\\b`, 'm'));
  }
  // RDD_INSTANCE selects; --instance wins over it.
  const byEnv = await h.json<Status>(['service', 'status'], { noInstanceFlag: true, env: { RDD_INSTANCE: 'vde' } });
  t.is(byEnv.instance, 'vde');
  t.is(byEnv.pid, sb.pid);
  const flagWins = await h.json<Status>(['service', 'status'], { instance: 'dev', env: { RDD_INSTANCE: 'vde' } });
  t.is(flagWins.instance, 'dev');
  // Stopping one leaves the other running.
  t.is((await h.run(['stop'], { instance: 'dev' })).exitCode, 0);
  t.is(conditionOf(await h.get('limavm', 'rd', { instance: 'vde' }), 'Running')?.status, 'True');
  await h.shutdown(t);
});

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('a stale pid file (dead process, or a pid reused by another program) is handled', async (t) => {
  const h = rddHome(t);
  h.prepare();
  const paths = h.paths();
  const deadChild = execa(process.execPath, ['-e', '0']);
  const dead = { pid: deadChild.pid };
  await deadChild;
  writeFileSync(paths.pidFile, `${dead.pid}\n`);
  const r1 = await h.run(['service', 'start']);
  t.is(r1.exitCode, 0, r1.stderr);
  t.regex(r1.stdout, /^rdd daemon started \(pid \d+, instance "2"\); Lima: the bundled Lima simulator/);
  const pid1 = h.daemonPid();
  t.truthy(pid1);
  t.not(pid1, dead.pid);
  t.true(isProcessAlive(pid1!));
  const again = await h.run(['service', 'start']);
  t.is(again.exitCode, 0);
  t.regex(again.stdout, new RegExp(`already running \\(pid ${pid1}`));
  t.is((await h.run(['service', 'stop'])).exitCode, 0);
  t.false(isProcessAlive(pid1!));

  // A live process that is not a daemon holds the recorded pid.
  const other = execa('sleep', ['60'], { reject: false });
  t.teardown(() => other.kill('SIGKILL'));
  writeFileSync(paths.pidFile, `${other.pid}\n`);
  const r2 = await h.run(['ctl', 'get', 'ns']);
  t.is(r2.exitCode, 0, r2.stderr);
  t.regex(r2.stdout, /default/);
  t.not(h.daemonPid(), other.pid);
  t.true(isProcessAlive(other.pid!), 'the unrelated process is left alone');
  await h.shutdown(t);
});

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('kill -9 of the daemon during `rdd start`, then `rdd start` converges', async (t) => {
  const h = rddHome(t);
  h.prepare();
  h.faults({ default: { bootDelayMs: 4000 } });
  const first = h.spawn(['start']);
  await until('a hostagent to start booting', () => (h.hostagents().length > 0 ? true : undefined), 60_000);
  const pid = h.daemonPid();
  t.truthy(pid);
  process.kill(pid!, 'SIGKILL');
  const r1 = await first;
  t.is(r1.exitCode, 1, String(r1.stderr));
  t.regex(String(r1.stderr), new RegExp(`the rdd daemon \\(pid ${pid}\\) exited while waiting for the App to settle`));
  h.faults({});
  const r2 = await h.run(['start']);
  t.is(r2.exitCode, 0, r2.stderr);
  t.regex(r2.stderr, /Starting the rdd daemon/);
  t.not(h.daemonPid(), pid);
  const app = await h.get('app', 'app');
  t.is(conditionOf(app, 'Settled')?.status, 'True');
  t.is(conditionOf(await h.get('limavm', 'rd'), 'Running')?.status, 'True');
  await h.shutdown(t);
});

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('`service stop` while VMs run stops them gracefully (no SIGKILL) and leaves no process', async (t) => {
  const h = rddHome(t);
  t.is((await h.run(['start'])).exitCode, 0);
  writeFileSync(join(h.home, 'dev.yaml'), offlineTemplate());
  const dev = await h.run(['limavm', 'create', 'dev', 'dev.yaml', '--start']);
  t.is(dev.exitCode, 0, dev.stderr);
  const agents = h.hostagents();
  t.true(agents.length >= 2);
  t.true(agents.some(isProcessAlive));
  const stop = await h.run(['service', 'stop']);
  t.is(stop.exitCode, 0, stop.stderr);
  t.regex(stop.stdout, /^rdd daemon stopped \(pid \d+\)\n$/);
  const calls = h.calls();
  t.deepEqual(calls.filter((l) => l.kind === 'kill'), [], 'no hostagent or driver was SIGKILLed');
  const signalled = new Set(calls.flatMap((l) => (l.kind === 'hostagent' && l.event === 'signal' ? [l.instance] : [])));
  t.true(signalled.has('rd') && signalled.has('dev'), `interrupted: ${[...signalled].join(', ')}`);
  t.false(agents.some(isProcessAlive), 'every hostagent exited');
  const again = await h.run(['service', 'stop']);
  t.is(again.stdout, 'rdd daemon is not running\n');
  await h.shutdown(t);
});

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('service status, paths, logs, reset and delete', async (t) => {
  const h = rddHome(t);
  const stopped = await h.json<Status>(['service', 'status']);
  t.false(stopped.running);
  const paths = await h.json<Record<string, string>>(['service', 'paths']);
  t.is(paths.lima_home, h.paths().limaHome);
  t.is(paths.dir, h.paths().dir);
  const one = await h.run(['service', 'paths', 'lima_home']);
  t.is(one.stdout, `${h.paths().limaHome}\n`);
  const shell = await h.run(['service', 'paths', '-o', 'shell']);
  t.regex(shell.stdout, new RegExp(`^export RDD_LIMA_HOME=${h.paths().limaHome}$`, 'm'));
  t.regex(shell.stdout, /^export RDD_STORE=/m);

  t.is((await h.run(['start'])).exitCode, 0);
  const running = await h.json<Status>(['service', 'status']);
  t.true(running.running);
  t.is(running.lima?.kind, 'simulator');
  t.regex(running.version ?? '', /^\d+\.\d+\.\d+$/);
  t.true((running.uptimeSeconds ?? -1) >= 0);
  const table = await h.run(['service', 'status']);
  t.is(table.exitCode, 0, table.stderr);
  t.regex(table.stdout, /^State\s+running$/m);
  t.regex(table.stdout, /^Lima\s+the bundled Lima simulator/m);
  const logs = await h.run(['service', 'logs']);
  t.is(logs.exitCode, 0);
  t.regex(logs.stdout, /daemon ready/);

  const reset = await h.run(['service', 'reset']);
  t.is(reset.exitCode, 0, reset.stderr);
  t.deepEqual(h.processes(), []);
  const p = h.paths();
  t.false(existsSync(p.store));
  t.false(existsSync(p.shortDir));
  t.true(existsSync(p.daemonLog), 'logs are kept');
  t.true(existsSync(p.configFile), 'config.json is kept');
  const empty = await h.run(['ctl', 'get', 'limavm', '-A']);
  t.is(empty.exitCode, 0, empty.stderr);
  t.is(empty.stderr.split('\n').filter((l) => l.startsWith('No resources')).join(''), 'No resources found.');

  const del = await h.run(['service', 'delete']);
  t.is(del.exitCode, 0, del.stderr);
  t.false(existsSync(p.dir));
  t.false(existsSync(p.shortDir));
  t.deepEqual(h.processes(), []);
  mkdirSync(p.dir, { recursive: true });
  t.deepEqual(readdirSync(p.dir), []);
});

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('service delete stops VMs a killed daemon left running', async (t) => {
  const h = rddHome(t);
  t.is((await h.run(['start'])).exitCode, 0);
  const agents = h.hostagents();
  process.kill(h.daemonPid()!, 'SIGKILL');
  await until('the daemon to die', () => (isProcessAlive(h.daemonPid() ?? 0) ? undefined : true));
  t.true(agents.some(isProcessAlive), 'the hostagent survived its daemon');
  const del = await h.run(['service', 'delete']);
  t.is(del.exitCode, 0, del.stderr);
  t.regex(del.stderr, /Stopped 1 VM process\(es\) left from an earlier daemon/);
  t.false(agents.some(isProcessAlive));
  t.false(existsSync(h.paths().dir));
  t.deepEqual(h.processes(), []);
});
