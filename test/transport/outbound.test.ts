// Outbound flow control against a fake socket whose buffer the test drains by hand.
import test from 'ava';
import { Outbound, type OutEvent, type Sink } from '../../src/transport/server/outbound.js';
import { eventually } from './helpers.js';

function ev<M extends object>(key: string | null, msg: M, merge?: (o: M, n: M) => M): OutEvent<M> {
  return { key: () => key, msg: () => msg, ...(merge ? { merge } : {}) };
}

class FakeSink implements Sink {
  bufferedAmount = 0;
  open = true;
  readonly frames: Record<string, unknown>[] = [];
  isOpen(): boolean {
    return this.open;
  }
  send(frame: Buffer | string): void {
    this.frames.push(JSON.parse(String(frame)) as Record<string, unknown>);
    this.bufferedAmount += String(frame).length;
  }
}

const limits = { conflateAboveBytes: 100, closeAboveBytes: 1000, stallMs: 1000, maxPendingEvents: 5 };

/** The peer reads everything buffered, repeatedly, until nothing is held. */
async function drain(sink: FakeSink, out: Outbound): Promise<void> {
  await eventually(() => {
    sink.bufferedAmount = 0;
    return !out.congested;
  });
}

function setup(l = limits) {
  const sink = new FakeSink();
  const clock = { ms: 0 };
  const overloads: string[] = [];
  let drained = 0;
  const out = new Outbound(sink, l, {
    encode: (m) => JSON.stringify(m),
    onOverload: (r) => overloads.push(r),
    onDrained: () => drained++,
    now: () => clock.ms,
  }, 5);
  return { sink, clock, overloads, out, drained: () => drained };
}

test('below the threshold everything is sent at once, in order', (t) => {
  const { sink, out } = setup();
  out.sendEvent(ev('a', { k: 'a', v: 1 }));
  out.sendEvent(ev('a', { k: 'a', v: 2 }));
  t.deepEqual(sink.frames, [{ k: 'a', v: 1 }, { k: 'a', v: 2 }]);
  t.false(out.congested);
  out.dispose();
});

test('above the threshold: latest wins per key, first-appearance order kept, flagged conflated', async (t) => {
  const { sink, out, drained } = setup();
  sink.bufferedAmount = 150;
  out.sendEvent(ev('a', { k: 'a', v: 1 }));
  out.sendEvent(ev('b', { k: 'b', v: 1 }));
  out.sendEvent(ev('a', { k: 'a', v: 2 }));
  out.sendEvent(ev(null, { k: 'end' }));
  out.sendEvent(ev('c', { k: 'c', v: 1 }));
  out.sendEvent(ev('b', { k: 'b', v: 2 }));
  t.is(sink.frames.length, 0);
  t.is(out.pendingEvents, 4);
  t.is(out.counters.merged, 2);
  // Responses are never held.
  out.sendNow(JSON.stringify({ id: 1 }));
  t.deepEqual(sink.frames, [{ id: 1 }]);
  sink.bufferedAmount = 0;
  await drain(sink, out);
  t.deepEqual(sink.frames.slice(1), [
    { k: 'a', v: 2, conflated: true },
    { k: 'b', v: 2, conflated: true },
    { k: 'end', conflated: true },
    { k: 'c', v: 1, conflated: true },
  ]);
  t.is(drained(), 1);
  out.dispose();
});

test('merge combines a held event with a newer one', async (t) => {
  const { sink, out } = setup();
  sink.bufferedAmount = 150;
  type Ev = { type: string; v: number };
  const merge = (o: Ev, n: Ev): Ev => (o.type === 'ADDED' && n.type === 'MODIFIED' ? { ...n, type: 'ADDED' } : n);
  out.sendEvent(ev('x', { type: 'ADDED', v: 1 }, merge));
  out.sendEvent(ev('x', { type: 'MODIFIED', v: 2 }, merge));
  out.sendEvent(ev('y', { type: 'MODIFIED', v: 1 }, merge));
  out.sendEvent(ev('y', { type: 'DELETED', v: 2 }, merge));
  sink.bufferedAmount = 0;
  await drain(sink, out);
  t.deepEqual(sink.frames, [
    { type: 'ADDED', v: 2, conflated: true },
    { type: 'DELETED', v: 2, conflated: true },
  ]);
  out.dispose();
});

test('sendEventLast moves a held event to the end of the line', async (t) => {
  const { sink, out } = setup();
  sink.bufferedAmount = 150;
  out.sendEventLast(ev('bm', { bm: 1 }));
  out.sendEvent(ev('a', { a: 1 }));
  out.sendEventLast(ev('bm', { bm: 2 }));
  sink.bufferedAmount = 0;
  await drain(sink, out);
  t.deepEqual(sink.frames, [{ a: 1, conflated: true }, { bm: 2, conflated: true }]);
  out.dispose();
});

test('too many distinct held events overloads the consumer', (t) => {
  const { sink, out, overloads } = setup();
  sink.bufferedAmount = 150;
  for (let i = 0; i < 6; i++) out.sendEvent(ev(`k${i}`, { i }));
  t.is(overloads.length, 1);
  t.regex(overloads[0]!, /more than 5 distinct events/);
  // Dead: nothing more is sent or held.
  sink.bufferedAmount = 0;
  out.sendEvent(ev('z', {}));
  out.sendNow('{}');
  t.is(sink.frames.length, 0);
});

test('a buffer above the hard limit overloads the consumer', async (t) => {
  const { sink, out, overloads } = setup();
  sink.bufferedAmount = 150;
  out.sendEvent(ev('a', {}));
  sink.bufferedAmount = 2000;
  await eventually(() => overloads.length === 1);
  t.regex(overloads[0]!, /above 1000 bytes/);
});

test('a stalled consumer is overloaded after stallMs without progress', async (t) => {
  const { sink, out, overloads, clock } = setup();
  sink.bufferedAmount = 150;
  out.sendEvent(ev('a', {}));
  clock.ms = 900;
  await new Promise((r) => setTimeout(r, 30));
  t.is(overloads.length, 0);
  // Progress (the buffer shrank) resets the stall clock.
  sink.bufferedAmount = 140;
  await new Promise((r) => setTimeout(r, 30));
  clock.ms = 1800;
  await new Promise((r) => setTimeout(r, 30));
  t.is(overloads.length, 0);
  clock.ms = 3000;
  await eventually(() => overloads.length === 1);
  t.regex(overloads[0]!, /no progress for 1000 ms/);
});

test('writable() waits for room', async (t) => {
  const { sink, out } = setup();
  sink.bufferedAmount = 150;
  let ready = false;
  const p = out.writable().then(() => (ready = true));
  await new Promise((r) => setTimeout(r, 30));
  t.false(ready);
  sink.bufferedAmount = 10;
  await p;
  t.true(ready);
  out.dispose();
});
