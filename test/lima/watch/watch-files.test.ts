// watchHostagent on hand-written files and a real stand-in process: no simulator involved.
import test from 'ava';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/log.js';
import { isProcessAlive, watchHostagent, type HostagentEvent } from '../../../src/lima/index.js';
import { waitFor } from './wait.js';

const root = mkdtempSync(join(tmpdir(), 'rdd-lima-watch-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const line = (timeMs: number, status: object): string => JSON.stringify({ time: new Date(timeMs).toISOString(), status }) + '\n';

function setup(t: { teardown: (fn: () => void) => void }, since = Date.now()) {
  const dir = join(root, `i${++n}`);
  mkdirSync(dir);
  const events: HostagentEvent[] = [];
  const ac = new AbortController();
  const w = watchHostagent({ instanceDir: dir, since, onEvent: (e) => events.push(e), signal: ac.signal, pollMs: 20, log: silentLogger() });
  t.teardown(() => w.close());
  const log = join(dir, 'ha.stdout.log');
  const types = () => events.map((e) => (e.type === 'running' && e.degraded ? 'degraded' : e.type));
  return { dir, log, events, types, ac, w, since };
}

test('phases are emitted once per transition, with their data', async (t) => {
  const s = setup(t);
  const now = Date.now();
  writeFileSync(s.log, line(now, { sshLocalPort: 60022 }) + line(now, { sshLocalPort: 60022 }));
  appendFileSync(s.log, line(now + 1, { running: true, sshLocalPort: 60022 }));
  appendFileSync(s.log, line(now + 2, { running: true, sshLocalPort: 60022, portForward: { type: 'forwarding' } }));
  appendFileSync(s.log, line(now + 3, { exiting: true }));
  await waitFor('exiting', () => s.types().includes('exiting'));
  t.deepEqual(s.types(), ['starting', 'running', 'exiting']);
  t.like(s.events[0], { type: 'starting', sshLocalPort: 60022 });
  t.like(s.events[1], { type: 'running', degraded: false, errors: [] });
});

test('events timed before since are ignored', async (t) => {
  const since = Date.now();
  const s = setup(t, since);
  writeFileSync(s.log, line(since - 60_000, { sshLocalPort: 1 }) + line(since - 59_000, { running: true, sshLocalPort: 1 }) + line(since - 1, { exiting: true }));
  appendFileSync(s.log, line(since, { sshLocalPort: 2 }));
  await waitFor('starting', () => s.events.length > 0);
  appendFileSync(s.log, line(since + 5, { running: true, degraded: true, errors: ['optional requirement failed'], sshLocalPort: 2 }));
  await waitFor('running', () => s.events.length > 1);
  t.deepEqual(s.types(), ['starting', 'degraded']);
  t.like(s.events[0], { sshLocalPort: 2 });
  t.deepEqual(s.events[1], { type: 'running', degraded: true, errors: ['optional requirement failed'], time: new Date(since + 5).toISOString() });
});

test('a partial line waits for its newline', async (t) => {
  const s = setup(t);
  const now = Date.now();
  const running = line(now + 1, { running: true, sshLocalPort: 3 });
  writeFileSync(s.log, line(now, { sshLocalPort: 3 }) + running.slice(0, 20));
  await waitFor('starting', () => s.events.length > 0);
  // The poll that saw `starting` also saw the partial line; it must not have produced anything.
  t.deepEqual(s.types(), ['starting']);
  appendFileSync(s.log, running.slice(20));
  await waitFor('running', () => s.events.length > 1);
  t.deepEqual(s.types(), ['starting', 'running']);
});

test('a non-JSON line is reported as malformed and the stream goes on', async (t) => {
  const s = setup(t);
  const now = Date.now();
  writeFileSync(s.log, 'this is not json\n' + line(now, { sshLocalPort: 4 }));
  await waitFor('starting', () => s.events.length > 1);
  t.deepEqual(s.events[0], { type: 'malformed', line: 'this is not json' });
  t.is(s.events[1]?.type, 'starting');
});

test('a recreated log file (a new start) starts the phases over; the old file is read to its end first', async (t) => {
  const s = setup(t);
  const now = Date.now();
  writeFileSync(s.log, line(now, { sshLocalPort: 5 }) + line(now + 1, { running: true, sshLocalPort: 5 }));
  await waitFor('running', () => s.events.length > 1);
  appendFileSync(s.log, line(now + 2, { exiting: true }));
  unlinkSync(s.log);
  writeFileSync(s.log, line(now + 3, { sshLocalPort: 6 }) + line(now + 4, { running: true, sshLocalPort: 6 }));
  await waitFor('second running', () => s.events.length > 4);
  t.deepEqual(s.types(), ['starting', 'running', 'exiting', 'starting', 'running']);
  t.like(s.events[3], { sshLocalPort: 6 });
});

test('a running event repeated in a new file after a crash is reported again', async (t) => {
  const s = setup(t);
  const now = Date.now();
  writeFileSync(s.log, line(now, { running: true, sshLocalPort: 7 }));
  await waitFor('running', () => s.events.length > 0);
  unlinkSync(s.log);
  writeFileSync(s.log, line(now + 1, { running: true, sshLocalPort: 7 }));
  await waitFor('second running', () => s.events.length > 1);
  t.deepEqual(s.types(), ['running', 'running']);
});

test('the death of the pid in ha.pid is a processExit, reported once', async (t) => {
  const s = setup(t);
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  const pid = child.pid!;
  writeFileSync(join(s.dir, 'ha.pid'), `${pid}\n`);
  const now = Date.now();
  writeFileSync(s.log, line(now, { running: true, sshLocalPort: 8 }));
  await waitFor('running', () => s.events.length > 0);
  child.kill('SIGKILL');
  await waitFor('processExit', () => s.events.some((e) => e.type === 'processExit'));
  t.false(isProcessAlive(pid));
  t.deepEqual(s.events.at(-1), { type: 'processExit', pid });
  // ha.pid is left behind (as by a SIGKILLed hostagent) and must not be reported again.
  appendFileSync(s.log, line(now + 1, { exiting: true }));
  await waitFor('exiting', () => s.events.some((e) => e.type === 'exiting'));
  t.deepEqual(s.types(), ['running', 'processExit', 'exiting']);
});

test('a stale ha.pid of an earlier run is not a processExit', async (t) => {
  const dir = join(root, `stale${++n}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'ha.pid'), '999999999\n');
  const events: HostagentEvent[] = [];
  // The pid file predates `since` by more than the mtime slack.
  const since = Date.now() + 5_000;
  const w = watchHostagent({ instanceDir: dir, since, onEvent: (e) => events.push(e), signal: new AbortController().signal, pollMs: 20, log: silentLogger() });
  t.teardown(() => w.close());
  writeFileSync(join(dir, 'ha.stdout.log'), 'marker\n');
  await waitFor('marker', () => events.length > 0);
  t.deepEqual(events, [{ type: 'malformed', line: 'marker' }]);
});

// Serial: ava runs serial tests before the concurrent ones, so the handle counts are this test's own.
test.serial('aborting the signal stops delivery and leaves no timer or fs watcher behind', async (t) => {
  const count = (): number =>
    (process as unknown as { getActiveResourcesInfo(): string[] })
      .getActiveResourcesInfo()
      .filter((h) => h === 'Timeout' || h === 'FSEvent' || h === 'Immediate').length;
  const before = count();
  const s = setup(t);
  const now = Date.now();
  writeFileSync(s.log, line(now, { sshLocalPort: 9 }));
  await waitFor('starting', () => s.events.length > 0);
  t.true(count() > before);
  s.ac.abort();
  t.is(count(), before);
  appendFileSync(s.log, line(now + 1, { running: true, sshLocalPort: 9 }));
  // No timer, immediate or fs watcher of the watcher is left (checked above), so nothing can
  // deliver the new line: a few turns of the event loop are enough to see that, no sleep.
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  t.deepEqual(s.types(), ['starting']);
});

// Serial for the same reason: the handle counts must be this test's own.
test.serial('a watcher created with an aborted signal never polls', async (t) => {
  const count = (): number =>
    (process as unknown as { getActiveResourcesInfo(): string[] })
      .getActiveResourcesInfo()
      .filter((h) => h === 'Timeout' || h === 'FSEvent' || h === 'Immediate').length;
  const dir = join(root, `aborted${++n}`);
  mkdirSync(dir);
  const now = Date.now();
  writeFileSync(join(dir, 'ha.stdout.log'), line(now, { sshLocalPort: 1 }));
  const events: HostagentEvent[] = [];
  const before = count();
  watchHostagent({ instanceDir: dir, since: 0, onEvent: (e) => events.push(e), signal: AbortSignal.abort(), pollMs: 20, log: silentLogger() });
  t.is(count(), before, 'no timer, immediate or fs watcher was created');
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  t.deepEqual(events, []);
});

test('an onEvent that throws does not stop the watcher', async (t) => {
  const dir = join(root, `throw${++n}`);
  mkdirSync(dir);
  const seen: string[] = [];
  const w = watchHostagent({
    instanceDir: dir,
    since: 0,
    onEvent: (e) => {
      seen.push(e.type);
      throw new Error('handler bug');
    },
    signal: new AbortController().signal,
    pollMs: 20,
    log: silentLogger(),
  });
  t.teardown(() => w.close());
  const now = Date.now();
  writeFileSync(join(dir, 'ha.stdout.log'), line(now, { sshLocalPort: 1 }));
  await waitFor('starting', () => seen.length > 0);
  appendFileSync(join(dir, 'ha.stdout.log'), line(now, { running: true }));
  await waitFor('running', () => seen.length > 1);
  t.deepEqual(seen, ['starting', 'running']);
});
