// FileTailer with synchronous polls: partial lines, replacement, truncation.
import test from 'ava';
import { appendFileSync, mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTailer } from '../../../src/lima/index.js';

const root = mkdtempSync(join(tmpdir(), 'rdd-lima-tail-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function tailer(): { path: string; t: FileTailer; lines: string[]; replaced: () => number } {
  const path = join(root, `f${++n}.log`);
  const lines: string[] = [];
  let replaced = 0;
  const t = new FileTailer(path, { onLine: (l) => lines.push(l), onReplaced: () => replaced++ });
  return { path, t, lines, replaced: () => replaced };
}

test('a missing file is waited for, then read from its start', (t) => {
  const f = tailer();
  f.t.poll();
  t.deepEqual(f.lines, []);
  writeFileSync(f.path, 'a\nb\n');
  f.t.poll();
  t.deepEqual(f.lines, ['a', 'b']);
  f.t.close();
});

test('a partial line is held until its newline arrives; blank lines are skipped; CRLF is trimmed', (t) => {
  const f = tailer();
  writeFileSync(f.path, 'one\ntw');
  f.t.poll();
  t.deepEqual(f.lines, ['one']);
  appendFileSync(f.path, 'o\r\n\n');
  f.t.poll();
  t.deepEqual(f.lines, ['one', 'two']);
  f.t.close();
});

test('a multi-byte character split across writes is decoded whole', (t) => {
  const f = tailer();
  const bytes = Buffer.from('é\n');
  writeFileSync(f.path, bytes.subarray(0, 1));
  f.t.poll();
  appendFileSync(f.path, bytes.subarray(1));
  f.t.poll();
  t.deepEqual(f.lines, ['é']);
  f.t.close();
});

test('a replaced file: the old file is drained (its partial last line too), then the new one is read from its start', (t) => {
  const f = tailer();
  writeFileSync(f.path, 'old1\n');
  f.t.poll();
  appendFileSync(f.path, 'old2\nold-partial');
  unlinkSync(f.path);
  writeFileSync(f.path, 'new1\n');
  f.t.poll();
  t.deepEqual(f.lines, ['old1', 'old2', 'old-partial', 'new1']);
  t.is(f.replaced(), 1);
  f.t.close();
});

test('a file deleted and recreated later is picked up', (t) => {
  const f = tailer();
  writeFileSync(f.path, 'a\n');
  f.t.poll();
  unlinkSync(f.path);
  f.t.poll();
  f.t.poll();
  writeFileSync(f.path, 'b\n');
  f.t.poll();
  t.deepEqual(f.lines, ['a', 'b']);
  t.is(f.replaced(), 1);
  f.t.close();
});

test('a truncated file is read again from its start', (t) => {
  const f = tailer();
  writeFileSync(f.path, 'long line one\n');
  f.t.poll();
  truncateSync(f.path, 0);
  appendFileSync(f.path, 'x\n');
  f.t.poll();
  t.deepEqual(f.lines, ['long line one', 'x']);
  t.is(f.replaced(), 1);
  f.t.close();
});

test('nothing is read after close', (t) => {
  const f = tailer();
  writeFileSync(f.path, 'a\n');
  f.t.close();
  f.t.poll();
  t.deepEqual(f.lines, []);
});
