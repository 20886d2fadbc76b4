// The logs operation takes a name from a client: it must never read outside the Lima home, and
// its errors must not tell a client what exists on disk (issue 11, item 9).
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ApiError } from '../../src/api/index.js';
import { fileLogSource } from '../../src/transport/index.js';
import { createVM, rawConnect, startEnv, tempDir, type RawPeer } from './helpers.js';

const SECRET = 'SECRET-LINE';

/** A directory outside the Lima home that holds a file named like a hostagent log. */
function outsideLog(root: string): string {
  const dir = path.join(root, 'outside', 'x', 'vm');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ha.stdout.log'), `${SECRET}\n`);
  fs.writeFileSync(path.join(dir, 'ha.stderr.log'), `${SECRET}\n`);
  return dir;
}

/** Sends one logs request and collects every frame of its answer (response and stream events). */
async function logs(peer: RawPeer, id: number, name: string): Promise<Record<string, unknown>[]> {
  peer.send({ id, op: 'logs', name, stream: 'stdout' });
  const res = await peer.until((m) => m.id === id);
  if (res.ok !== true) return [res];
  const frames = [res];
  for (;;) {
    const m = await peer.until((x) => x.stream === id);
    frames.push(m);
    if (m.done || m.error) return frames;
  }
}

test('logs: traversal, absolute paths, NUL and dot names are refused before any path is built', async (t) => {
  let home = '';
  const env = await startEnv(t, { extra: { logs: { open: (n, o) => fileLogSource(home, { pollMs: 10 }).open(n, o) } } });
  home = path.join(env.dir, 'lima');
  fs.mkdirSync(home, { recursive: true });
  const outside = outsideLog(env.dir);
  const peer = await rawConnect(t, env.gw);

  const names = [
    path.relative(home, outside), // ../outside/x/vm
    '../../../../x/vm',
    `${'../'.repeat(12)}${outside.slice(1)}`,
    outside, // absolute
    '/etc',
    '..',
    '.',
    'vm/../vm',
    'x/vm',
    'vm\u0000',
    '\u0000',
    'a\u0000/../../x',
    'VM', // not a LimaVM name (upper case)
    '',
  ];
  let id = 1;
  for (const name of names) {
    const frames = await logs(peer, id++, name);
    t.is(frames.length, 1, JSON.stringify(name));
    t.like(frames[0], { ok: false, error: { code: 400, reason: 'BadRequest' } }, JSON.stringify(name));
    t.false(JSON.stringify(frames).includes(SECRET));
  }
});

test('logs: only LimaVMs in the store have logs, and the 404 is the same whatever is on disk', async (t) => {
  let home = '';
  const env = await startEnv(t, { extra: { logs: { open: (n, o) => fileLogSource(home, { pollMs: 10 }).open(n, o) } } });
  home = path.join(env.dir, 'lima');
  const outside = outsideLog(env.dir);
  // A directory with a log under the Lima home, but no LimaVM of that name.
  fs.mkdirSync(path.join(home, 'orphan'), { recursive: true });
  fs.writeFileSync(path.join(home, 'orphan', 'ha.stdout.log'), `${SECRET}\n`);
  // LimaVMs: one without a directory, one whose directory is a symlink out of the Lima home,
  // one whose log file is a symlink out of it, and a real one.
  for (const name of ['nodir', 'dirlink', 'filelink', 'real']) await createVM(env.api, name);
  fs.symlinkSync(outside, path.join(home, 'dirlink'));
  fs.mkdirSync(path.join(home, 'filelink'));
  fs.symlinkSync(path.join(outside, 'ha.stdout.log'), path.join(home, 'filelink', 'ha.stdout.log'));
  fs.mkdirSync(path.join(home, 'real'));
  fs.writeFileSync(path.join(home, 'real', 'ha.stdout.log'), 'hello\n');
  const peer = await rawConnect(t, env.gw);

  // No LimaVM: one answer, with or without a directory on disk.
  const [orphan] = await logs(peer, 1, 'orphan');
  const [ghost] = await logs(peer, 2, 'ghost');
  t.like(orphan, { ok: false, error: { code: 404, reason: 'NotFound', message: 'LimaVM "orphan" not found' } });
  t.like(ghost, { ok: false, error: { code: 404, reason: 'NotFound', message: 'LimaVM "ghost" not found' } });

  // A LimaVM whose directory is missing or lies outside: the same 404, naming no path.
  const [nodir] = await logs(peer, 3, 'nodir');
  const [dirlink] = await logs(peer, 4, 'dirlink');
  t.like(nodir, { ok: false, error: { code: 404, message: 'LimaVM "nodir" has no Lima instance to read logs from' } });
  t.like(dirlink, { ok: false, error: { code: 404, message: 'LimaVM "dirlink" has no Lima instance to read logs from' } });

  // A symlinked log file is not followed.
  const filelink = await logs(peer, 5, 'filelink');
  t.like(filelink.at(-1), { stream: 5, error: { code: 404, message: 'LimaVM "filelink" has no Lima instance to read logs from' } });

  for (const frames of [[orphan], [ghost], [nodir], [dirlink], filelink]) {
    t.false(JSON.stringify(frames).includes(SECRET));
    t.false(JSON.stringify(frames).includes(env.dir), 'no path in an error');
  }

  // The real one still works.
  const real = await logs(peer, 6, 'real');
  t.deepEqual(real.slice(1), [{ stream: 6, lines: ['hello'] }, { stream: 6, done: true }]);
});

test('fileLogSource refuses a bad name and a symlinked instance on its own', (t) => {
  const dir = tempDir(t);
  const home = path.join(dir, 'lima');
  fs.mkdirSync(home);
  const outside = outsideLog(dir);
  fs.symlinkSync(outside, path.join(home, 'vm'));
  const src = fileLogSource(home);
  const signal = new AbortController().signal;
  for (const name of ['../outside/x/vm', outside, 'vm\u0000', '..']) {
    const e = t.throws(() => src.open(name, { stream: 'stdout', follow: false, signal }));
    t.is((e as unknown as ApiError).code, 400, JSON.stringify(name));
  }
  const e = t.throws(() => src.open('vm', { stream: 'stdout', follow: false, signal }));
  t.is((e as unknown as ApiError).code, 404);
});
