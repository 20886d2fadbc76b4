// A reader that closes its end of the pipe early (`rdd --help | head -1`) must not make rdd
// crash with an unhandled EPIPE.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './helpers/harness.js';

test('output into a pipe whose reader has gone ends the command quietly, exit 0', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rdd-pipe-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const child = spawn(process.execPath, [CLI, '--help'], { env: { ...process.env, RDD_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the child has started, so its first write finds no reader.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  t.is(stderr, '');
  t.is(code, 0);
});
