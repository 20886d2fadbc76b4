// watchHostagent against the simulator's real hostagent: running, exiting, and a SIGKILLed hostagent.
import test from 'ava';
import { isProcessAlive, watchHostagent, type HostagentEvent } from '../../../src/lima/index.js';
import { silentLogger } from '../../../src/log.js';
import { simEnv, survivors } from '../driver/sim-env.js';
import { waitFor } from './wait.js';

const TEMPLATE = 'images:\n- location: /etc/profile\n';

test.after.always('no simulator process is left behind', async (t) => {
  t.deepEqual(await survivors(), []);
});

function watch(t: { teardown: (fn: () => void) => void }, dir: string, since: number) {
  const events: HostagentEvent[] = [];
  const ac = new AbortController();
  watchHostagent({ instanceDir: dir, since, onEvent: (e) => events.push(e), signal: ac.signal, pollMs: 50, log: silentLogger() });
  t.teardown(() => ac.abort());
  return { events, types: () => events.map((e) => e.type) };
}

test('a start and a graceful stop: starting, running, exiting, processExit', async (t) => {
  const s = simEnv(t);
  s.faults({ default: { sshPort: 42022, bootDelayMs: 300 } });
  await s.driver.create('dev', TEMPLATE);
  const w = watch(t, s.driver.instanceDir('dev'), Date.now());
  t.deepEqual(await s.driver.start('dev', { timeoutMs: 60_000 }), { kind: 'ready' });
  await waitFor('running', () => w.types().includes('running'));
  const haPid = s.driver.readInstanceDir('dev').hostAgentPid!;
  t.deepEqual(w.types(), ['starting', 'running']);
  t.like(w.events[0], { type: 'starting', sshLocalPort: 42022 });
  t.like(w.events[1], { type: 'running', degraded: false, errors: [] });
  t.like(await s.driver.stop('dev', { graceMs: 60_000 }), { forced: false });
  await waitFor('processExit', () => w.types().includes('processExit'));
  t.deepEqual(w.types(), ['starting', 'running', 'exiting', 'processExit']);
  t.deepEqual(w.events[3], { type: 'processExit', pid: haPid });
});

test('a watcher from before a restart follows the recreated log into the second run', async (t) => {
  const s = simEnv(t);
  await s.driver.create('dev', TEMPLATE);
  const w = watch(t, s.driver.instanceDir('dev'), Date.now());
  await s.driver.start('dev', { timeoutMs: 60_000 });
  await s.driver.stop('dev', { graceMs: 60_000 });
  await waitFor('first processExit', () => w.types().includes('processExit'));
  await s.driver.start('dev', { timeoutMs: 60_000 });
  await waitFor('second running', () => w.types().filter((x) => x === 'running').length === 2);
  t.deepEqual(w.types(), ['starting', 'running', 'exiting', 'processExit', 'starting', 'running']);
  await s.driver.stop('dev', { graceMs: 60_000 });
});

test('a SIGKILLed hostagent is a processExit without an exiting event', async (t) => {
  const s = simEnv(t);
  await s.driver.create('dev', TEMPLATE);
  const w = watch(t, s.driver.instanceDir('dev'), Date.now());
  await s.driver.start('dev', { timeoutMs: 60_000 });
  const haPid = s.driver.readInstanceDir('dev').hostAgentPid!;
  await waitFor('running', () => w.types().includes('running'));
  process.kill(haPid, 'SIGKILL');
  await waitFor('processExit', () => w.types().includes('processExit'));
  t.false(isProcessAlive(haPid));
  t.deepEqual(w.types(), ['starting', 'running', 'processExit']);
  // The driver child survives a SIGKILLed hostagent: Broken, repaired by stop -f.
  await waitFor('Broken', () => s.driver.readInstanceDir('dev').status === 'Broken');
  t.like(await s.driver.stop('dev', { graceMs: 2000 }), { forced: true });
  t.is(s.driver.readInstanceDir('dev').status, 'Stopped');
  t.false(w.types().includes('exiting'));
});

test('corrupt events in the log are reported as malformed, and the phases still come through', async (t) => {
  const s = simEnv(t);
  s.faults({ default: { corruptEvents: true } });
  await s.driver.create('dev', TEMPLATE);
  const w = watch(t, s.driver.instanceDir('dev'), Date.now());
  // Real limactl start aborts on a non-JSON line; whatever the simulator's start does, the watcher copes.
  await s.driver.start('dev', { timeoutMs: 20_000 }).catch(() => undefined);
  await waitFor('malformed', () => w.types().includes('malformed'));
  t.true(w.types().includes('starting'));
  await s.driver.stop('dev', { graceMs: 0 });
});

test('a driver child that dies makes the hostagent exit: exiting, then processExit', async (t) => {
  const s = simEnv(t);
  await s.driver.create('dev', TEMPLATE);
  const w = watch(t, s.driver.instanceDir('dev'), Date.now());
  await s.driver.start('dev', { timeoutMs: 60_000 });
  await waitFor('running', () => w.types().includes('running'));
  s.faults({ default: { crashDriverAfterMs: 0 } });
  await waitFor('processExit', () => w.types().includes('processExit'), 30_000);
  t.deepEqual(w.types(), ['starting', 'running', 'exiting', 'processExit']);
  await waitFor('Stopped', () => s.driver.readInstanceDir('dev').status === 'Stopped');
  t.like(s.driver.readInstanceDir('dev'), { status: 'Stopped', errors: [] });
});
