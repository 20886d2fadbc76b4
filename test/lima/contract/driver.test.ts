// The LimaDriver contract, held by both implementations: the limactl driver over the simulator and
// the in-memory model (src/lima/memory) the fast actor tests use.
import type { HostagentEvent } from '../../../src/lima/types.js';
import { silentLogger } from '../../../src/log.js';
import { isLimaError } from '../../../src/lima/errors.js';
import test from 'ava';
import { survivors } from '../driver/sim-env.js';
import { offlineTemplate } from '../helpers/sim.js';
import { driverContract, type DriverUnderTest } from './contract.js';

test.after.always('no simulator process is left behind', async (t) => {
  t.deepEqual(await survivors(), []);
});

const TEMPLATE = offlineTemplate();

async function codeOf(d: DriverUnderTest, p: Promise<unknown>): Promise<string> {
  try {
    await d.run(p);
  } catch (e) {
    return isLimaError(e) ? e.code : `not a LimaError: ${String(e)}`;
  }
  return 'resolved';
}

function collect(d: DriverUnderTest, name: string, since: number): { events: HostagentEvent[]; stop: () => void } {
  const events: HostagentEvent[] = [];
  const ac = new AbortController();
  d.driver.watch(name, { since, signal: ac.signal, log: silentLogger(), pollMs: 20, onEvent: (ev) => events.push(ev) });
  return { events, stop: () => ac.abort() };
}

driverContract('lifecycle: create, start, inspect, stop gracefully, delete; each idempotent where Lima is', async (t, d) => {
  const { driver } = d;
  t.like(driver.inspect('vm1'), { exists: false, dirExists: false, status: 'Missing' });
  await d.run(driver.create('vm1', TEMPLATE));
  t.is(await codeOf(d, driver.create('vm1', TEMPLATE)), 'AlreadyExists');
  t.like(driver.inspect('vm1'), { exists: true, dirExists: true, status: 'Stopped', limaYaml: TEMPLATE, lastPhase: { phase: 'unknown' } });
  t.deepEqual(await d.run(driver.start('vm1', { timeoutMs: 60_000 })), { kind: 'ready' });
  t.deepEqual(await d.run(driver.start('vm1', { timeoutMs: 60_000 })), { kind: 'alreadyRunning' });
  const running = driver.inspect('vm1');
  t.like(running, { status: 'Running', lastPhase: { phase: 'running', errors: [] } });
  t.true((running.hostAgentPid ?? 0) > 0);
  t.like((await d.run(driver.list(['vm1', 'nope'])))[0], { name: 'vm1', status: 'Running', hostAgentPID: running.hostAgentPid });
  t.deepEqual(await d.run(driver.stop('vm1', { graceMs: 30_000 })), { forced: false });
  t.like(driver.inspect('vm1'), { status: 'Stopped', lastPhase: { phase: 'exited' } });
  t.deepEqual(d.calls().filter((l) => l.kind === 'kill'), [], 'a graceful stop kills nothing');
  t.true(d.calls().some((l) => l.kind === 'hostagent' && l.event === 'signal' && l.signal === 'SIGINT'));
  t.deepEqual(await d.run(driver.stop('vm1', { graceMs: 30_000 })), { forced: false }, 'stop of a stopped instance succeeds');
  await d.run(driver.delete('vm1'));
  await d.run(driver.delete('vm1'));
  t.like(driver.inspect('vm1'), { exists: false, status: 'Missing' });
  t.is(await codeOf(d, driver.start('vm1')), 'NotFound', 'start never creates a missing instance');
});

driverContract('rdd files: owner marker, sentinel and lima.yaml are read back by inspect', async (t, d) => {
  const { driver } = d;
  driver.writeSentinel('vm1', 'uid-1');
  t.like(driver.inspect('vm1'), { exists: false, preparing: 'uid-1' });
  await d.run(driver.create('vm1', TEMPLATE));
  driver.writeOwnerMarker('vm1', 'uid-1');
  driver.removeSentinel('vm1');
  driver.removeSentinel('vm1');
  const next = `${TEMPLATE}# edited\n`;
  driver.writeLimaYaml('vm1', next);
  const i = driver.inspect('vm1');
  t.is(i.owner, 'uid-1');
  t.is(i.preparing, undefined);
  t.is(i.limaYaml, next);
  await d.run(driver.delete('vm1'));
  t.is(driver.inspect('vm1').owner, undefined, 'the marker goes with the instance');
});

driverContract('watch: starting then running, then exiting and processExit on a graceful stop', async (t, d) => {
  const { driver } = d;
  await d.run(driver.create('vm1', TEMPLATE));
  const w = collect(d, 'vm1', 0);
  await d.run(driver.start('vm1', { timeoutMs: 60_000 }));
  await d.until('running event', () => w.events.some((e) => e.type === 'running'));
  const pid = driver.inspect('vm1').hostAgentPid;
  await d.run(driver.stop('vm1', { graceMs: 30_000 }));
  await d.until('processExit', () => w.events.some((e) => e.type === 'processExit'));
  w.stop();
  t.deepEqual(w.events.map((e) => e.type), ['starting', 'running', 'exiting', 'processExit']);
  t.like(w.events.at(-1), { type: 'processExit', pid });
});

driverContract('a killed hostagent: processExit without exiting, the instance Broken, then stop -f and a fresh start', async (t, d) => {
  const { driver } = d;
  await d.run(driver.create('vm1', TEMPLATE));
  await d.run(driver.start('vm1', { timeoutMs: 60_000 }));
  const w = collect(d, 'vm1', 0);
  await d.until('replayed running', () => w.events.some((e) => e.type === 'running'));
  const pid = d.killHostagent('vm1');
  await d.until('processExit', () => w.events.some((e) => e.type === 'processExit'));
  w.stop();
  t.false(w.events.some((e) => e.type === 'exiting'));
  t.like(w.events.at(-1), { type: 'processExit', pid });
  t.is(driver.inspect('vm1').status, 'Broken');
  t.like(await d.run(driver.stop('vm1', { graceMs: 5_000 })), { forced: true });
  t.is(driver.inspect('vm1').status, 'Stopped');
  t.deepEqual(await d.run(driver.start('vm1', { timeoutMs: 60_000 })), { kind: 'ready' });
  t.not(driver.inspect('vm1').hostAgentPid, pid);
  await d.run(driver.stop('vm1', { graceMs: 0 }));
});

driverContract('faults: validateFail, degraded and exiting starts, a start that never ends, deleteFail', async (t, d) => {
  const { driver } = d;
  t.deepEqual(await d.run(driver.validate('vm1', TEMPLATE)), { ok: true });
  t.like(await d.run(driver.validate('vm1', 'images: []\n')), { ok: false });
  d.faults({ default: { validateFail: 'rejected by the test' } });
  // Another name: a driver may remember Lima's verdict on a (name, text) it has already asked about.
  const v = await d.run(driver.validate('vm2', TEMPLATE));
  t.true(!v.ok && /rejected by the test/.test(v.message));

  d.faults({ default: { startOutcome: 'degraded' } });
  await d.run(driver.create('vm1', TEMPLATE));
  const degraded = await d.run(driver.start('vm1', { timeoutMs: 60_000 }));
  t.is(degraded.kind, 'degraded');
  t.like(driver.inspect('vm1'), { status: 'Running', lastPhase: { phase: 'running' } });
  t.true(driver.inspect('vm1').lastPhase.errors.length > 0);
  await d.run(driver.stop('vm1', { graceMs: 0 }));

  d.faults({ default: { startOutcome: 'exiting' } });
  t.is(await codeOf(d, driver.start('vm1', { timeoutMs: 60_000 })), 'Unknown');
  // `limactl start` returns on the exiting event; the hostagent removes its pid file and exits just
  // after (until then Lima lists the instance as Broken), so the end state is waited for.
  await d.until('the exiting hostagent to be gone', () => driver.inspect('vm1').status !== 'Broken');
  t.like(driver.inspect('vm1'), { status: 'Stopped', lastPhase: { phase: 'exited' } });

  d.faults({ default: { startOutcome: 'never' } });
  t.is(await codeOf(d, driver.start('vm1', { timeoutMs: 3_000 })), 'Timeout');
  t.like(driver.inspect('vm1'), { status: 'Running', lastPhase: { phase: 'starting' } }, 'a timed-out start leaves the hostagent running');
  t.like(await d.run(driver.stop('vm1', { graceMs: 0 })), { forced: true });
  t.true(d.calls().some((l) => l.kind === 'kill'));

  d.faults({ instances: { vm1: { deleteFail: 'injected by the test' } } });
  t.is(await codeOf(d, driver.delete('vm1')), 'Unknown');
  t.true(driver.inspect('vm1').exists, 'a failed delete removes nothing');
  d.faults({});
  await d.run(driver.delete('vm1'));
  t.false(driver.inspect('vm1').exists);
});

driverContract('faults: a download failure leaves the instance without an image; a hung stop is forced after the grace period', async (t, d) => {
  const { driver } = d;
  d.faults({ instances: { vm1: { createFail: 'download' } } });
  t.is(await codeOf(d, driver.create('vm1', TEMPLATE)), 'Unknown');
  t.like(driver.inspect('vm1'), { exists: true, dirExists: true }, 'the half-built instance stays');
  t.is(await codeOf(d, driver.start('vm1', { timeoutMs: 60_000 })), 'Unknown', 'start retries the download, which still fails');
  d.faults({ instances: { vm1: { stopHang: true } } });
  t.deepEqual(await d.run(driver.start('vm1', { timeoutMs: 60_000 })), { kind: 'ready' });
  const out = await d.run(driver.stop('vm1', { graceMs: 1_000 }));
  t.true(out.forced);
  t.regex(out.reason ?? '', /did not finish within 1000 ms/);
  t.is(driver.inspect('vm1').status, 'Stopped');
});

driverContract('cancelling a start: Cancelled, and the hostagent keeps running as with real Lima', async (t, d) => {
  const { driver } = d;
  d.faults({ default: { startOutcome: 'never' } });
  await d.run(driver.create('vm1', TEMPLATE));
  const ac = new AbortController();
  const starting = driver.start('vm1', { timeoutMs: 600_000, signal: ac.signal });
  await d.until('hostagent and VM up', () => driver.inspect('vm1').status === 'Running');
  ac.abort(new Error('test'));
  t.is(await codeOf(d, starting), 'Cancelled');
  t.is(driver.inspect('vm1').status, 'Running');
  await d.run(driver.stop('vm1', { graceMs: 0 }));
});
