// The driver against the bundled simulator: real processes, real files, the calls log.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isLimaError, isProcessAlive, type LimaError } from '../../../src/lima/index.js';
import { readSimCalls } from '../../../src/sim/paths.js';
import { waitFor } from '../watch/wait.js';
import { overlaps, processesMentioning, simEnv, survivors } from './sim-env.js';

const TEMPLATE = 'images:\n- location: /etc/profile\n';

async function limaError(p: Promise<unknown>): Promise<LimaError> {
  try {
    await p;
  } catch (e) {
    if (isLimaError(e)) return e;
    throw e;
  }
  throw new Error('expected a LimaError, got success');
}

test.after.always('no simulator process is left behind', async (t) => {
  t.deepEqual(await survivors(), []);
});

test('the lifecycle and its idempotency table (lima.md §6)', async (t) => {
  const s = simEnv(t);
  t.regex(await s.driver.version(), /^limactl version \S+-sim/);
  await s.driver.create('dev', TEMPLATE);
  t.is((await limaError(s.driver.create('dev', TEMPLATE))).code, 'AlreadyExists');
  t.like((await s.driver.list(['dev']))[0], { name: 'dev', status: 'Stopped' });
  t.like(s.driver.readInstanceDir('dev'), { exists: true, hasConfig: true, status: 'Stopped' });

  t.deepEqual(await s.driver.start('dev', { timeoutMs: 60_000 }), { kind: 'ready' });
  t.deepEqual(await s.driver.start('dev', { timeoutMs: 60_000 }), { kind: 'alreadyRunning' });
  const running = s.driver.readInstanceDir('dev');
  t.is(running.status, 'Running');
  t.true(isProcessAlive(running.hostAgentPid!));
  t.like((await s.driver.list())[0], { name: 'dev', status: 'Running', hostAgentPID: running.hostAgentPid });

  t.deepEqual(await s.driver.stop('dev', { graceMs: 60_000 }), { forced: false });
  t.is(s.driver.readInstanceDir('dev').status, 'Stopped');
  // Stop of a stopped instance: limactl fails with "expected status `Running`, got `Stopped`"; the driver succeeds.
  t.deepEqual(await s.driver.stop('dev', { graceMs: 60_000 }), { forced: false });
  t.false(s.calls().some((c) => c.argv.includes('-f') && c.cmd === 'stop'));

  await s.driver.delete('dev');
  t.false(existsSync(join(s.home, 'dev')));
  await s.driver.delete('dev');
  t.deepEqual(await s.driver.list(), []);
  t.deepEqual(await s.driver.list(['dev']), []);
  t.deepEqual(await s.driver.stop('dev', { graceMs: 1000 }), { forced: false });
});

test('start is never run for an instance that is not on disk', async (t) => {
  const s = simEnv(t);
  t.is((await limaError(s.driver.start('ghost'))).code, 'NotFound');
  t.deepEqual(s.calls('start'), []);
  t.false(existsSync(join(s.home, 'ghost')));
});

test('cancelling a start kills limactl and leaves the hostagent running, as real Lima does', async (t) => {
  const s = simEnv(t);
  s.faults({ default: { bootDelayMs: 120_000 } });
  await s.driver.create('dev', TEMPLATE);
  const ac = new AbortController();
  const p = s.driver.start('dev', { signal: ac.signal, timeoutMs: 300_000 });
  const haPid = await waitFor('the hostagent to start', () => s.hostagentPids()[0], 30_000);
  await waitFor('the booting event', () => s.driver.readInstanceDir('dev').status === 'Running', 30_000);
  ac.abort();
  const e = await limaError(p);
  t.is(e.code, 'Cancelled');
  const call = await waitFor('the start call line', () => s.calls('start')[0], 10_000);
  t.is(call.signal, 'SIGTERM');
  t.true(isProcessAlive(haPid), 'the detached hostagent survives');
  t.is(s.driver.readInstanceDir('dev').status, 'Running');
  // What the caller does next: force it down.
  t.like(await s.driver.stop('dev', { graceMs: 0 }), { forced: true });
  await waitFor('the hostagent to die', () => !isProcessAlive(haPid), 10_000);
  t.is(s.driver.readInstanceDir('dev').status, 'Stopped');
});

test('operations on one instance are serialized: the calls log shows no overlap', async (t) => {
  const s = simEnv(t);
  s.faults({ default: { createDelayMs: 400, bootDelayMs: 400 } });
  const ops = [
    s.driver.create('dev', TEMPLATE),
    s.driver.start('dev', { timeoutMs: 60_000 }),
    s.driver.list(),
    s.driver.stop('dev', { graceMs: 60_000 }),
    s.driver.delete('dev'),
  ];
  t.deepEqual(await Promise.all(ops.map((p) => p.then(() => 'ok'))), ['ok', 'ok', 'ok', 'ok', 'ok']);
  const mine = s.calls().filter((c) => c.instance === 'dev' && c.cmd !== 'list');
  t.deepEqual(mine.map((c) => c.cmd), ['create', 'start', 'stop', 'delete']);
  for (let i = 1; i < mine.length; i++) t.true(mine[i - 1]!.end <= mine[i]!.start, `${mine[i - 1]!.cmd} ends before ${mine[i]!.cmd} starts`);
});

test('operations on different instances run in parallel: two slow creates overlap', async (t) => {
  const s = simEnv(t);
  s.faults({ default: { createDelayMs: 3000 } });
  await Promise.all([s.driver.create('one', TEMPLATE), s.driver.create('two', TEMPLATE)]);
  const [a, b] = s.calls('create');
  t.truthy(a && b);
  t.true(overlaps(a!, b!), `create ${a!.instance} [${a!.start}, ${a!.end}] and ${b!.instance} [${b!.start}, ${b!.end}] overlap`);
});

test('a stop that hangs is forced, with a SIGKILL in the calls log', async (t) => {
  const s = simEnv(t);
  await s.driver.create('dev', TEMPLATE);
  await s.driver.start('dev', { timeoutMs: 60_000 });
  s.faults({ default: { stopHang: true } });
  // The simulator's own exiting wait (3m10s scaled, ~1.9 s) usually ends the graceful stop first.
  const out = await s.driver.stop('dev', { graceMs: 8000 });
  t.true(out.forced);
  t.regex(out.reason ?? '', /graceful stop (did not finish within 8000 ms|failed: did not receive an event with the `exiting` status)/);
  // The graceful stop's own line is there unless it was killed before node finished booting.
  const stops = s.calls('stop').map((c) => (c.argv.includes('-f') ? 'force' : 'graceful'));
  t.is(stops.at(-1), 'force');
  t.true(stops.length <= 2 && stops.filter((x) => x === 'force').length === 1, stops.join(','));
  const kill = readSimCalls(s.home).find((l) => l.kind === 'kill');
  t.like(kill, { kind: 'kill', signal: 'SIGKILL', instance: 'dev' });
  t.is(s.driver.readInstanceDir('dev').status, 'Stopped');
});

test('a degraded start is an outcome, not an error, and the VM keeps running', async (t) => {
  const s = simEnv(t);
  s.faults({ default: { startOutcome: 'degraded' } });
  await s.driver.create('dev', TEMPLATE);
  const out = await s.driver.start('dev', { timeoutMs: 60_000 });
  t.is(out.kind, 'degraded');
  if (out.kind !== 'degraded') return;
  t.true(out.errors.length > 0);
  t.regex(out.message, /^degraded, status=/);
  t.is(s.driver.readInstanceDir('dev').status, 'Running');
  t.like(await s.driver.stop('dev', { graceMs: 60_000 }), { forced: false });
});

const failing = [
  ['exiting', 'Unknown', /^exiting, status=/],
  ['hostagentExit', 'Unknown', /host agent process has exited/],
  ['noPidfile', 'Timeout', /did not start up in/],
] as const;
for (const [outcome, code, re] of failing) {
  test(`a start with outcome ${outcome} is a LimaError ${code}`, async (t) => {
    const s = simEnv(t);
    s.faults({ default: { startOutcome: outcome } });
    await s.driver.create('dev', TEMPLATE);
    const e = await limaError(s.driver.start('dev', { timeoutMs: 60_000 }));
    t.is(e.code, code);
    t.regex(e.shortMessage, re);
    t.is(e.exitCode, 1);
    await s.driver.stop('dev', { graceMs: 0 });
  });
}

test('a start that never gets the running event times out by limactl\'s --timeout, leaving the hostagent up', async (t) => {
  const s = simEnv(t);
  s.faults({ default: { startOutcome: 'never' } });
  await s.driver.create('dev', TEMPLATE);
  const e = await limaError(s.driver.start('dev', { timeoutMs: 1500 }));
  t.like(e, { code: 'Timeout', shortMessage: 'did not receive an event with the `running` status' });
  t.true(s.calls('start')[0]?.argv.includes('--timeout=1500ms'));
  t.true(isProcessAlive(s.driver.readInstanceDir('dev').hostAgentPid ?? 0));
  t.like(await s.driver.stop('dev', { graceMs: 0 }), { forced: true });
});

test('validate reports a template verdict as data', async (t) => {
  const s = simEnv(t);
  t.deepEqual(await s.driver.validate('dev', TEMPLATE), { ok: true });
  const bad = await s.driver.validate('dev', 'cpus: 0\n');
  t.false(bad.ok);
  t.regex(bad.ok ? '' : bad.message, /failed to validate YAML file/);
});

test('a limactl that refuses root is RootRefused', async (t) => {
  const s = simEnv(t);
  s.faults({ default: { root: true } });
  t.is((await limaError(s.driver.list())).code, 'RootRefused');
});

test('a list slower than its bound is a Timeout and the list process is gone', async (t) => {
  const s = simEnv(t, { listMs: 5000 });
  s.faults({ default: { listDelayMs: 60_000 } });
  t.like(await limaError(s.driver.list()), { code: 'Timeout', shortMessage: 'limactl did not finish within 5000 ms and was terminated' });
  // execa killed it: no process runs with this LIMA_HOME any more.
  await waitFor('no process left', () => processesMentioning(s.home).length === 0, 20_000);
  t.deepEqual(processesMentioning(s.home), []);
});

test('shell returns the command\'s exit code and output; a stopped or missing instance is an error', async (t) => {
  const s = simEnv(t);
  await s.driver.create('dev', TEMPLATE);
  t.is((await limaError(s.driver.shell('dev', ['true']))).code, 'NotRunning');
  t.is((await limaError(s.driver.shell('ghost', ['true']))).code, 'NotFound');
  await s.driver.start('dev', { timeoutMs: 60_000 });
  t.like(await s.driver.shell('dev', ['echo', 'hello']), { exitCode: 0, stdout: 'hello' });
  t.like(await s.driver.shell('dev', ['sh', '-c', 'echo oops >&2; exit 3']), { exitCode: 3, stderr: 'oops' });
  await s.driver.stop('dev', { graceMs: 60_000 });
});

test('a corrupt lima.yaml lists with status "" and its errors', async (t) => {
  const s = simEnv(t);
  await s.driver.create('dev', TEMPLATE);
  s.faults({ instances: { dev: { corruptTemplate: true } } });
  const [inst] = await s.driver.list(['dev']);
  t.is(inst?.status, '');
  t.true((inst?.errors ?? []).length > 0);
  t.is((await limaError(s.driver.start('dev', { timeoutMs: 60_000 }))).code, 'InvalidTemplate');
});
