// readInstanceDir on hand-made directories: pid liveness, stale pid cleanup, every status branch.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debounceBroken, readInstanceDir } from '../../../src/lima/index.js';

const root = mkdtempSync(join(tmpdir(), 'rdd-lima-dir-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function instance(files: Record<string, string>): string {
  const dir = join(root, `i${++n}`);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}
/** A pid that existed and is gone (reaped by spawnSync). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid;
}
const live = `${process.pid}\n`;
const yaml = 'images: [{location: /etc/profile}]\n';

test('a missing directory is Missing, with no errors', (t) => {
  t.deepEqual(readInstanceDir(join(root, 'nope')), { exists: false, hasConfig: false, status: 'Missing', errors: [] });
});

test('no pid files is Stopped', (t) => {
  const s = readInstanceDir(instance({ 'lima.yaml': yaml }));
  t.like(s, { exists: true, hasConfig: true, status: 'Stopped' });
  t.deepEqual(s.errors, []);
  t.is(s.hostAgentPid, undefined);
});

test('live hostagent and driver is Running', (t) => {
  const s = readInstanceDir(instance({ 'lima.yaml': yaml, 'ha.pid': live, 'qemu.pid': live }));
  t.like(s, { status: 'Running', hostAgentPid: process.pid, driverPid: process.pid });
  t.deepEqual(s.errors, []);
});

test('only the hostagent alive is Broken, naming the missing side', (t) => {
  const s = readInstanceDir(instance({ 'lima.yaml': yaml, 'ha.pid': live }));
  t.is(s.status, 'Broken');
  t.deepEqual(s.errors, ['host agent is running but driver is not']);
});

test('only the driver alive is Broken, naming the missing side', (t) => {
  const s = readInstanceDir(instance({ 'lima.yaml': yaml, 'qemu.pid': live }));
  t.is(s.status, 'Broken');
  t.deepEqual(s.errors, ['qemu driver is running but host agent is not']);
});

test('the driver pid file follows vmType from lima.yaml', (t) => {
  const s = readInstanceDir(instance({ 'lima.yaml': `vmType: vz\n${yaml}`, 'ha.pid': live, 'vz.pid': live }));
  t.is(s.status, 'Running');
  const q = readInstanceDir(instance({ 'lima.yaml': `vmType: vz\n${yaml}`, 'ha.pid': live, 'qemu.pid': live }));
  t.deepEqual(q.errors, ['host agent is running but driver is not']);
});

test('stale pid files of dead processes are removed and count as absent', (t) => {
  const dir = instance({ 'lima.yaml': yaml, 'ha.pid': `${deadPid()}\n`, 'qemu.pid': `${deadPid()}\n` });
  const s = readInstanceDir(dir);
  t.is(s.status, 'Stopped');
  t.false(existsSync(join(dir, 'ha.pid')));
  t.false(existsSync(join(dir, 'qemu.pid')));
});

test('a pid file without a pid is Broken and kept', (t) => {
  const dir = instance({ 'lima.yaml': yaml, 'ha.pid': 'garbage' });
  const s = readInstanceDir(dir);
  t.is(s.status, 'Broken');
  t.regex(s.errors[0] ?? '', /host agent pid file .*ha\.pid does not hold a pid/);
  t.true(existsSync(join(dir, 'ha.pid')));
});

test('a directory without lima.yaml is Broken', (t) => {
  const s = readInstanceDir(instance({}));
  t.like(s, { exists: true, hasConfig: false, status: 'Broken' });
  t.regex(s.errors[0] ?? '', /has no lima\.yaml/);
});

test('a lima.yaml that does not parse is reported and qemu assumed', (t) => {
  const s = readInstanceDir(instance({ 'lima.yaml': 'images: [\n', 'ha.pid': live, 'qemu.pid': live }));
  t.is(s.status, 'Running');
  t.regex(s.errors[0] ?? '', /lima\.yaml does not parse/);
});

test('Broken is reported only once it has lasted holdMs', (t) => {
  let s = debounceBroken(undefined, 'Running', 0, 1000);
  t.is(s.status, 'Running');
  s = debounceBroken(s, 'Broken', 100, 1000);
  t.is(s.status, 'Running');
  s = debounceBroken(s, 'Broken', 900, 1000);
  t.is(s.status, 'Running');
  s = debounceBroken(s, 'Broken', 1100, 1000);
  t.is(s.status, 'Broken');
  s = debounceBroken(s, 'Stopped', 1200, 1000);
  t.deepEqual(s, { status: 'Stopped' });
  // A new streak starts over.
  s = debounceBroken(s, 'Broken', 1300, 1000);
  t.is(s.status, 'Stopped');
});
