// Log streaming: fileLogSource on its own, and the logs operation end to end with follow.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ApiError } from '../../src/api/index.js';
import { fileLogSource } from '../../src/transport/index.js';
import { createVM, eventually, rawConnect, startEnv, tempDir } from './helpers.js';

test('fileLogSource: reads whole lines, follows appends and truncation, stops on abort', async (t) => {
  const dir = tempDir(t);
  fs.mkdirSync(path.join(dir, 'vm'));
  const file = path.join(dir, 'vm', 'ha.stdout.log');
  fs.writeFileSync(file, 'one\ntwo\r\nthr');
  const src = fileLogSource(dir, { pollMs: 10 });

  const all: string[] = [];
  for await (const l of src.open('vm', { stream: 'stdout', follow: false, signal: new AbortController().signal })) all.push(l);
  t.deepEqual(all, ['one', 'two', 'thr']);

  const ac = new AbortController();
  const got: string[] = [];
  const done = (async () => {
    for await (const l of src.open('vm', { stream: 'stdout', follow: true, signal: ac.signal })) got.push(l);
  })();
  await eventually(() => got.length === 2);
  fs.appendFileSync(file, 'ee\nfour\n');
  await eventually(() => got.length === 4);
  t.deepEqual(got, ['one', 'two', 'three', 'four']);
  fs.writeFileSync(file, 'fresh\n');
  await eventually(() => got.length === 5);
  t.is(got[4], 'fresh');
  ac.abort();
  await done;

  // A missing file in an existing instance dir is empty; a missing instance is NotFound.
  const none: string[] = [];
  for await (const l of src.open('vm', { stream: 'stderr', follow: false, signal: ac.signal })) none.push(l);
  t.deepEqual(none, []);
  const e = t.throws(() => src.open('nope', { stream: 'stdout', follow: false, signal: ac.signal }));
  t.is((e as unknown as ApiError).code, 404);
});

test('logs operation: lines, follow, cancel, and NotFound as a typed error', async (t) => {
  const dirHolder: { dir?: string } = {};
  const env = await startEnv(t, {
    // The lima home is under the env's temp dir, known only once it exists.
    extra: { logs: { open: (name, o) => fileLogSource(dirHolder.dir!, { pollMs: 10 }).open(name, o) } },
  });
  dirHolder.dir = path.join(env.dir, 'lima');
  await createVM(env.api, 'vm1');
  const inst = path.join(dirHolder.dir, 'vm1');
  fs.mkdirSync(inst, { recursive: true });
  fs.writeFileSync(path.join(inst, 'ha.stdout.log'), Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n') + '\n');

  const c = await env.client();
  const lines: string[] = [];
  for await (const l of c.logs('vm1')) lines.push(l);
  t.is(lines.length, 5000);
  t.is(lines[4999], 'line 4999');

  const followed: string[] = [];
  const it = c.logs('vm1', { follow: true })[Symbol.asyncIterator]();
  for (let i = 0; i < 5000; i++) followed.push((await it.next()).value as string);
  fs.appendFileSync(path.join(inst, 'ha.stdout.log'), 'late line\n');
  t.is((await it.next()).value, 'late line');
  await it.return!();
  // The server stream is gone after the client left the loop.
  await eventually(() => env.gw.stats().connections.every((x) => x.streams === 0));

  const err = await t.throwsAsync(async () => {
    for await (const _ of c.logs('ghost')) void _;
  });
  t.is((err as ApiError).code, 404);

  // Raw, in both encodings: batched lines, then done.
  for (const encoding of ['json', 'msgpack'] as const) {
    const peer = await rawConnect(t, env.gw, { encoding });
    peer.send({ id: 1, op: 'logs', name: 'vm1', stream: 'stdout' });
    t.like(await peer.next(), { id: 1, ok: true });
    let count = 0;
    for (;;) {
      const m = await peer.until((x) => x.stream === 1);
      if (m.done) break;
      count += (m.lines as string[]).length;
    }
    t.is(count, 5001, encoding);
    peer.send({ id: 2, op: 'logs', name: 'ghost' });
    t.like(await peer.next(), { id: 2, ok: false, error: { code: 404, reason: 'NotFound' } });
  }
});
