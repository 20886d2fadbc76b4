// End to end: exit codes 4 (timeout) and 5 (incompatible daemon), and wait-condition.
import test from 'ava';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rddHome } from './helpers/harness.js';

const FAKE_DAEMON = fileURLToPath(new URL('./fixtures/fake-daemon.js', import.meta.url));

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('timeouts exit 4: a slow boot under --timeout, and wait-condition', async (t) => {
  const h = rddHome(t);
  h.prepare();
  h.faults({ default: { bootDelayMs: 60_000 } });
  const start = await h.run(['start', '--timeout', '2s']);
  t.is(start.exitCode, 4, start.stderr);
  t.regex(start.stderr, /error: timed out after 2s waiting for the App to settle; last state: .*Settled=False/);
  const wc = await h.run(['ctl', 'wait-condition', 'app/app', 'Running', '--timeout', '1s']);
  t.is(wc.exitCode, 4, wc.stderr);
  t.regex(wc.stderr, /timed out after 1s waiting for app "app" condition Running=True/);
  // The cluster-scoped App works; --since startup means since the daemon started.
  const created = await h.run(['ctl', 'wait-condition', 'app/app', 'Created', '--since', 'startup', '--timeout', '60s']);
  t.is(created.exitCode, 0, created.stderr);
  t.regex(created.stdout, /^condition met: Created=True: /);
  const future = new Date(Date.now() + 3_600_000).toISOString();
  const notYet = await h.run(['ctl', 'wait-condition', 'limavm/rd', 'Created', '--since', future, '--timeout', '1s']);
  t.is(notYet.exitCode, 4, 'a transition before --since does not count');
  const missing = await h.run(['ctl', 'wait-condition', 'limavm/nosuch', 'Created', '--timeout', '1s']);
  t.is(missing.exitCode, 1);
  t.regex(missing.stderr, /limavm "nosuch" not found in namespace "default"/);
  await h.shutdown(t);
});

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('service start and stop time out with exit 4 on a daemon that does not answer or does not stop', async (t) => {
  const h = rddHome(t);
  h.prepare();
  // A process that looks like a daemon (its argv has "serve") but never answers and ignores SIGINT.
  const stuck = execa(process.execPath, ['-e', "process.on('SIGINT', () => {}); setInterval(() => {}, 1000)", 'serve'], { reject: false });
  t.teardown(() => stuck.kill('SIGKILL'));
  writeFileSync(h.paths().pidFile, `${stuck.pid}\n`);
  const start = await h.run(['service', 'start', '--timeout', '1s']);
  t.is(start.exitCode, 4, start.stderr);
  t.regex(start.stderr, new RegExp(`the rdd daemon did not become ready within 1s \\(pid ${stuck.pid}\\)`));
  const stop = await h.run(['service', 'stop', '--timeout', '1s']);
  t.is(stop.exitCode, 4, stop.stderr);
  t.regex(stop.stderr, new RegExp(`the rdd daemon \\(pid ${stuck.pid}\\) did not stop within 1s; sent SIGTERM`));
  const r = await stuck;
  t.is(r.signal, 'SIGTERM', 'the escalation reached the process');
});

for (const [label, version, protocol] of [
  ['another protocol', '0.1.0', '99'],
  ['another major version', '99.0.0', '1'],
] as const) {
  // Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
  test.serial(`an incompatible daemon (${label}) exits 5 with what to do`, async (t) => {
    const h = rddHome(t);
    h.prepare();
    const fake = execa(process.execPath, [FAKE_DAEMON, 'serve', version, protocol], { env: h.env({ RDD_INSTANCE: '2' }), extendEnv: false, reject: false });
    t.teardown(() => fake.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      fake.stdout?.on('data', (d: Buffer) => (String(d).includes('ready') ? resolve() : undefined));
      fake.once('exit', () => reject(new Error('the fake daemon exited')));
    });
    for (const args of [['ctl', 'get', 'app'], ['start']]) {
      const r = await h.run(args);
      t.is(r.exitCode, 5, `${args.join(' ')}: ${r.stderr}`);
      t.regex(r.stderr, new RegExp(`error: incompatible daemon: pid ${fake.pid} runs rdd ${version.replace(/\./g, '\\.')} \\(protocol ${protocol}\\)`));
      t.regex(r.stderr, /Stop it with "rdd service stop"/);
    }
    fake.kill('SIGTERM');
    await fake;
  });
}
