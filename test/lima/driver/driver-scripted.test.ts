// The driver against a scripted limactl: argv, env, stdin, outcome mapping, error fields, the
// idempotency table (lima.md §6) in both quote styles, cancellation and timeouts of the child.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createLimaDriver, isLimaError, LimaError, toResolved } from '../../../src/lima/index.js';
import { pino } from 'pino';
import { silentLogger } from '../../../src/log.js';
import { fatal, info, scripted, scriptedRootPrefix, warn } from './scripted.js';
import { processesMentioning } from './sim-env.js';
import { waitFor } from '../watch/wait.js';

test.after.always('no scripted limactl is left running', async (t) => {
  await waitFor('scripted processes to end', () => processesMentioning(scriptedRootPrefix).length === 0, 20_000).catch(() => undefined);
  t.deepEqual(processesMentioning(scriptedRootPrefix), []);
});

async function limaError(t: { fail: (m: string) => void }, p: Promise<unknown>): Promise<LimaError> {
  try {
    await p;
  } catch (e) {
    if (isLimaError(e)) return e;
    throw e;
  }
  t.fail('expected a LimaError');
  throw new Error('unreachable');
}

test('every call passes the global flags, LIMA_HOME and the extra env', async (t) => {
  const s = scripted(t, { '--version': { stdout: 'limactl version 2.2.0\n' } });
  t.is(await s.driver.version(), 'limactl version 2.2.0');
  const [c] = s.calls();
  t.deepEqual(c?.argv, ['--log-format=json', '--tty=false', '--version']);
  t.is(c?.limaHome, s.home);
  t.is(c?.extra, 'from-opts-env');
  t.is(c?.stdin, '');
});

test('create sends the template on stdin with --name', async (t) => {
  const s = scripted(t, { create: { stderr: [info('Run `limactl start dev` to start the instance.')] } });
  await s.driver.create('dev', 'images: []\n');
  t.deepEqual(s.commands(), ['create --name=dev -']);
  t.is(s.calls()[0]?.stdin, 'images: []\n');
});

test('create of an existing instance is AlreadyExists with limactl\'s message verbatim (v1 quoting)', async (t) => {
  const s = scripted(t, { create: { stderr: [info('starting'), fatal('instance "dev" already exists')], exitCode: 1 } });
  const e = await limaError(t, s.driver.create('dev', 'x'));
  t.like(e, { code: 'AlreadyExists', command: 'create --name=dev -', shortMessage: 'instance "dev" already exists', exitCode: 1, name: 'LimaError' });
  t.deepEqual(e.stderrTail, ['info: starting', 'fatal: instance "dev" already exists']);
  t.is(e.message, 'limactl create --name=dev -: instance "dev" already exists');
});

test('start refuses an instance that is not on disk without running limactl', async (t) => {
  const s = scripted(t, { start: {} });
  const e = await limaError(t, s.driver.start('ghost'));
  t.is(e.code, 'NotFound');
  t.regex(e.shortMessage, /does not exist/);
  t.deepEqual(s.calls(), []);
});

test('start passes --timeout and maps exit 0 to ready', async (t) => {
  const s = scripted(t, { start: { stderr: [info('READY. Run `limactl shell dev` to open the shell.')] } });
  s.makeInstance('dev');
  t.deepEqual(await s.driver.start('dev', { timeoutMs: 90_000 }), { kind: 'ready' });
  t.deepEqual(s.commands(), ['start --timeout=90s dev']);
});

test('start of a running instance is alreadyRunning (both quote styles)', async (t) => {
  for (const q of ['`', '"']) {
    const s = scripted(t, { start: { stderr: [info(`The instance ${q}dev${q} is already running. Run \`limactl shell dev\` to open the shell.`)] } });
    s.makeInstance('dev');
    t.deepEqual(await s.driver.start('dev'), { kind: 'alreadyRunning' });
  }
});

test('a degraded start is an outcome with the errors of the last degraded event', async (t) => {
  const ev = (degraded: boolean, errors: string[]) =>
    JSON.stringify({ time: new Date().toISOString(), status: { running: true, degraded, errors, sshLocalPort: 2222 } }) + '\n';
  const s = scripted(t, {
    start: {
      files: { 'dev/ha.stdout.log': ev(true, ['failed to satisfy the optional requirement 1 of 1: "probe"']) + ev(false, []) },
      stderr: [warn('DEGRADED. The VM seems running, but file sharing and port forwarding may not work.'), fatal('degraded, status={Running:true Degraded:true}')],
      exitCode: 1,
    },
  });
  s.makeInstance('dev');
  t.deepEqual(await s.driver.start('dev'), {
    kind: 'degraded',
    errors: ['failed to satisfy the optional requirement 1 of 1: "probe"'],
    message: 'degraded, status={Running:true Degraded:true}',
  });
});

const startFailures: ReadonlyArray<readonly [string, string]> = [
  ['exiting, status={Exiting:true} (hint: see `/x/ha.stderr.log`)', 'Unknown'],
  ['did not receive an event with the `running` status', 'Timeout'],
  ['host agent process has exited: exit status 1', 'Unknown'],
  ['hostagent (`/x/ha.pid`) did not start up in 5s (hint: see `/x/ha.stderr.log`)', 'Timeout'],
  ['instance `dev` seems running (hint: remove `/x/ha.pid` if the instance is not actually running)', 'NotStopped'],
];
for (const [msg, code] of startFailures) {
  test(`a failed start is a LimaError ${code}: ${msg.slice(0, 50)}`, async (t) => {
    const s = scripted(t, { start: { stderr: [fatal(msg)], exitCode: 1 } });
    s.makeInstance('dev');
    const e = await limaError(t, s.driver.start('dev'));
    t.like(e, { code, shortMessage: msg, exitCode: 1 });
  });
}

test('stop of a stopped instance is success, in both quote styles, without forcing', async (t) => {
  for (const q of ['`', '"']) {
    const s = scripted(t, { stop: { stderr: [fatal(`expected status ${q}Running${q}, got ${q}Stopped${q} (maybe use \`limactl stop -f\`?)`)], exitCode: 1 } });
    s.makeInstance('dev');
    t.deepEqual(await s.driver.stop('dev', { graceMs: 10_000 }), { forced: false });
    t.deepEqual(s.commands(), ['stop dev']);
  }
});

test('stop of a missing instance is success without running limactl', async (t) => {
  const s = scripted(t, {});
  t.deepEqual(await s.driver.stop('ghost', { graceMs: 10_000 }), { forced: false });
  t.deepEqual(s.calls(), []);
});

test('stop of an instance whose lima.yaml vanished counts as missing', async (t) => {
  const s = scripted(t, { stop: { stderr: [fatal('open /h/dev/lima.yaml: no such file or directory')], exitCode: 1 } });
  s.makeInstance('dev');
  t.deepEqual(await s.driver.stop('dev', { graceMs: 10_000 }), { forced: false });
});

test('a failed graceful stop is followed by stop -f, with the reason', async (t) => {
  const s = scripted(t, { stop: { stderr: [fatal('did not receive an event with the `exiting` status')], exitCode: 1 }, 'stop -f': {} });
  s.makeInstance('dev');
  const out = await s.driver.stop('dev', { graceMs: 10_000 });
  t.true(out.forced);
  t.is(out.reason, 'the graceful stop failed: did not receive an event with the `exiting` status');
  t.deepEqual(s.commands(), ['stop dev', 'stop -f dev']);
});

test('a graceful stop past graceMs is terminated and forced', async (t) => {
  const s = scripted(t, { stop: { sleepMs: 60_000 }, 'stop -f': {} });
  s.makeInstance('dev');
  const out = await s.driver.stop('dev', { graceMs: 1500 });
  t.deepEqual(out, { forced: true, reason: 'the graceful stop did not finish within 1500 ms' });
  t.is(s.commands().at(-1), 'stop -f dev');
  // A graceful stop that got as far as its handlers was ended by SIGTERM (node may boot slower than graceMs).
  const graceful = s.calls().filter((c) => !c.argv.includes('-f'));
  t.true(graceful.every((c) => c.signal === 'SIGTERM'));
});

test('graceMs 0 forces at once', async (t) => {
  const s = scripted(t, { 'stop -f': {} });
  s.makeInstance('dev');
  t.like(await s.driver.stop('dev', { graceMs: 0 }), { forced: true });
  t.deepEqual(s.commands(), ['stop -f dev']);
});

test('a failing stop -f is a LimaError', async (t) => {
  const s = scripted(t, { 'stop -f': { stderr: [fatal('must not run as the root user')], exitCode: 1 } });
  s.makeInstance('dev');
  const e = await limaError(t, s.driver.stop('dev', { graceMs: 0 }));
  t.is(e.code, 'RootRefused');
});

test('delete uses -f and a missing instance is success', async (t) => {
  const s = scripted(t, { delete: { stderr: [warn('Ignoring non-existent instance `ghost`')] } });
  await s.driver.delete('ghost');
  t.deepEqual(s.commands(), ['delete -f ghost']);
});

test('delete of a protected instance is a LimaError with the message', async (t) => {
  const msg = 'failed to delete instance `dev`: instance is protected to prohibit accidental removal (Hint: use `limactl unprotect`)';
  const s = scripted(t, { delete: { stderr: [fatal(msg)], exitCode: 1 } });
  const e = await limaError(t, s.driver.delete('dev'));
  t.like(e, { code: 'Unknown', shortMessage: msg });
});

test('list parses NDJSON and passes names', async (t) => {
  const s = scripted(t, { list: { stdout: '{"name":"a","status":"Stopped","dir":"/h/a"}\n{"name":"b","status":"Running","dir":"/h/b","hostAgentPID":3,"driverPID":4}\n' } });
  const l = await s.driver.list(['a', 'b']);
  t.deepEqual(l.map((i) => [i.name, i.status]), [['a', 'Stopped'], ['b', 'Running']]);
  t.deepEqual(s.commands(), ['list --json a b']);
});

test('list with unmatched names returns what was printed', async (t) => {
  const s = scripted(t, {
    list: { stdout: '{"name":"a","status":"Stopped","dir":"/h/a"}\n', stderr: [warn('No instance matching ghost found.'), fatal('unmatched instances')], exitCode: 1 },
  });
  t.deepEqual((await s.driver.list(['a', 'ghost'])).map((i) => i.name), ['a']);
});

test('list with no instances is empty', async (t) => {
  const s = scripted(t, { list: { stderr: [warn('No instance found. Run `limactl create` to create an instance.')] } });
  t.deepEqual(await s.driver.list(), []);
});

test('a failing list is a LimaError', async (t) => {
  const s = scripted(t, { list: { stderr: [fatal('failed to inspect')], exitCode: 1 } });
  t.is((await limaError(t, s.driver.list())).code, 'Unknown');
});

test('validate writes <name>.yaml in a temp dir, removes it, and reports the verdict', async (t) => {
  const ok = scripted(t, { validate: {} });
  t.deepEqual(await ok.driver.validate('dev', 'cpus: 2\n'), { ok: true });
  const c = ok.calls()[0]!;
  const file = c.argv.at(-1)!;
  t.regex(file, /rdd-validate-[^/]+\/dev\.yaml$/);
  t.is(c.fileText, 'cpus: 2\n');
  t.false(existsSync(file));
  t.false(existsSync(join(file, '..')));

  const msg = 'failed to validate YAML file `/tmp/x/dev.yaml`: field `cpus` must not be 0';
  const bad = scripted(t, { validate: { stderr: [fatal(msg)], exitCode: 1 } });
  t.deepEqual(await bad.driver.validate('dev', 'cpus: 0\n'), { ok: false, message: msg });
});

test('a limactl refusing root is RootRefused even from a bare text line', async (t) => {
  const s = scripted(t, { validate: { stderr: ['limactl: must not run as the root user'], exitCode: 1 } });
  const e = await limaError(t, s.driver.validate('dev', 'x'));
  t.like(e, { code: 'RootRefused', shortMessage: 'must not run as the root user' });
});

test('a binary that cannot be spawned is an Unknown LimaError saying so', async (t) => {
  const d = createLimaDriver({ limaHome: '/nonexistent', binary: toResolved('/nonexistent/limactl', 'config'), log: silentLogger() });
  const e = await limaError(t, d.version());
  t.is(e.code, 'Unknown');
  t.regex(e.shortMessage, /could not run limactl: .*ENOENT/);
});

test('aborting the signal terminates limactl and is Cancelled', async (t) => {
  const s = scripted(t, { create: { sleepMs: 30_000 } });
  const ac = new AbortController();
  const p = s.driver.create('dev', 'x', { signal: ac.signal });
  await s.started('create');
  ac.abort();
  const e = await limaError(t, p);
  t.like(e, { code: 'Cancelled', command: 'create --name=dev -' });
  t.is(s.calls()[0]?.signal, 'SIGTERM');
});

test('an already aborted signal runs nothing', async (t) => {
  const s = scripted(t, { create: {} });
  s.makeInstance('dev');
  for (const p of [s.driver.create('dev', 'x', { signal: AbortSignal.abort() }), s.driver.start('dev', { signal: AbortSignal.abort() }), s.driver.list([], { signal: AbortSignal.abort() })]) {
    t.is((await limaError(t, p)).code, 'Cancelled');
  }
  t.deepEqual(s.calls(), []);
});

test('an execa timeout is Timeout', async (t) => {
  const s = scripted(t, { list: { sleepMs: 30_000 } }, { listMs: 200 });
  const e = await limaError(t, s.driver.list());
  t.like(e, { code: 'Timeout', shortMessage: 'limactl did not finish within 200 ms and was terminated' });
});

test('invalid instance names are rejected before anything runs', async (t) => {
  const s = scripted(t, {});
  for (const bad of ['a--b', '../etc', '_sim', 'x.yaml', '']) {
    await t.throwsAsync(s.driver.create(bad, 'x'), { instanceOf: TypeError }, bad);
  }
  t.throws(() => s.driver.readInstanceDir('../x'), { instanceOf: TypeError });
  t.deepEqual(s.calls(), []);
});

test('a caller that gives up while queued behind another op on the instance is Cancelled and never runs', async (t) => {
  const s = scripted(t, { create: { sleepMs: 1500 }, delete: {} });
  const first = s.driver.create('dev', 'x');
  const ac = new AbortController();
  const second = s.driver.delete('dev', { signal: ac.signal });
  await s.started('create');
  t.deepEqual(s.driver.busyInstances(), ['dev']);
  ac.abort();
  const e = await limaError(t, second);
  t.like(e, { code: 'Cancelled', command: 'delete dev', shortMessage: 'cancelled by the caller before limactl ran' });
  await first;
  t.deepEqual(s.commands(), ['create --name=dev -']);
  t.deepEqual(s.driver.busyInstances(), []);
});

test('each call is logged once with cmd, instance, ms and exitCode', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const s = scripted(t, { delete: { stderr: [fatal('boom')], exitCode: 1 } });
  const d = createLimaDriver({ limaHome: s.home, binary: s.driver.binary, log, env: { SCRIPTED_LIMACTL: join(s.home, '..', 'script.json') } });
  await t.throwsAsync(d.delete('dev'));
  const calls = lines.filter((l) => l.msg === 'limactl call');
  t.is(calls.length, 1);
  t.like(calls[0], { cmd: 'delete', instance: 'dev', exitCode: 1, failure: 'boom', component: 'lima-driver' });
  t.is(typeof calls[0]?.ms, 'number');
});

test('a crash without a log line is Unknown, quoting its first error-like text line', async (t) => {
  const s = scripted(t, { list: { stderr: ['goroutine 1 [running]:', 'panic: runtime error: index out of range', 'main.main()'], exitCode: 2 } });
  const e = await limaError(t, s.driver.list());
  t.like(e, { code: 'Unknown', exitCode: 2, shortMessage: 'limactl exited with code 2: panic: runtime error: index out of range' });
});

test('validate asks limactl once per name and text: a verdict is remembered, a failure to run is not', async (t) => {
  const s = scripted(t, { validate: {} });
  t.deepEqual(await s.driver.validate('dev', 'cpus: 2\n'), { ok: true });
  t.deepEqual(await s.driver.validate('dev', 'cpus: 2\n'), { ok: true });
  t.is(s.calls().length, 1);
  await s.driver.validate('dev', 'cpus: 4\n');
  await s.driver.validate('other', 'cpus: 2\n');
  t.is(s.calls().length, 3);

  const refused = scripted(t, { validate: { stderr: ['limactl: must not run as the root user'], exitCode: 1 } });
  await t.throwsAsync(refused.driver.validate('dev', 'x'));
  await t.throwsAsync(refused.driver.validate('dev', 'x'));
  t.is(refused.calls().length, 2);
});
