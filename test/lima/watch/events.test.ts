import test from 'ava';
import { nextPhase, parseRfc3339, parseStatusLine, type Phase } from '../../../src/lima/index.js';

test('RFC 3339 times with zones and any number of fractional digits', (t) => {
  t.is(parseRfc3339('2026-08-21T10:00:01.10+09:00'), Date.UTC(2026, 7, 21, 1, 0, 1, 100));
  t.is(parseRfc3339('2026-08-21T01:00:01.123456789Z'), Date.UTC(2026, 7, 21, 1, 0, 1, 123));
  t.is(parseRfc3339('2026-08-20T20:30:00-04:30'), Date.UTC(2026, 7, 21, 1, 0, 0, 0));
  t.is(parseRfc3339('yesterday'), undefined);
});

test('a status line keeps the fields the daemon uses', (t) => {
  const l = parseStatusLine('{"time":"2026-08-21T10:00:31.52+09:00","status":{"running":true,"degraded":true,"errors":["e1"],"sshLocalPort":51234,"portForward":{"type":"forwarding"}}}');
  t.deepEqual(l?.status, { running: true, degraded: true, errors: ['e1'], sshLocalPort: 51234 });
  t.is(l?.time, '2026-08-21T10:00:31.52+09:00');
});

test('lines that are not events are rejected', (t) => {
  for (const line of ['not json', '[]', '{"status":{}}', '{"time":"x","status":{}}', '{"time":"2026-08-21T10:00:00Z","status":null}']) {
    t.is(parseStatusLine(line), undefined, line);
  }
  t.deepEqual(parseStatusLine('{"time":"2026-08-21T10:00:00Z","status":{}}')?.status, {});
});

function run(lines: object[]): { phases: Phase[]; events: string[] } {
  let phase: Phase = 'none';
  const phases: Phase[] = [];
  const events: string[] = [];
  for (const status of lines) {
    const l = parseStatusLine(JSON.stringify({ time: '2026-08-21T10:00:00Z', status }));
    if (!l) throw new Error('bad fixture');
    const n = nextPhase(phase, l);
    phase = n.phase;
    phases.push(phase);
    if (n.event) events.push(n.event.type === 'running' ? `running${n.event.degraded ? '(degraded)' : ''}` : n.event.type);
  }
  return { phases, events };
}

test('a normal run emits starting, running and exiting once each', (t) => {
  const r = run([
    {},
    { sshLocalPort: 51234 },
    { sshLocalPort: 51234 },
    { running: true, sshLocalPort: 51234 },
    { running: true, sshLocalPort: 51234, portForward: { type: 'forwarding' } },
    { running: true, sshLocalPort: 51234, portForward: { type: 'forwarding' } },
    { exiting: true },
    { exiting: true },
  ]);
  t.deepEqual(r.events, ['starting', 'running', 'exiting']);
});

test('degraded is a running event with degraded set; a change of degraded is a new transition', (t) => {
  t.deepEqual(run([{ sshLocalPort: 1 }, { running: true, degraded: true, errors: ['x'] }, { running: true, degraded: true }]).events, ['starting', 'running(degraded)']);
  t.deepEqual(run([{ running: true }, { running: true, degraded: true }]).events, ['running', 'running(degraded)']);
});

test('a run that fails before booting emits only exiting; a later ssh port starts a new run', (t) => {
  t.deepEqual(run([{ exiting: true, errors: ['driver failed'] }, { sshLocalPort: 2 }]).events, ['exiting', 'starting']);
});

test('an ssh port while running is not a new starting event', (t) => {
  t.deepEqual(run([{ sshLocalPort: 1 }, { running: true, sshLocalPort: 1 }, { sshLocalPort: 1 }]).events, ['starting', 'running']);
});
