// Which limactl runs: config, then RDD_LIMACTL, then PATH, then the bundled simulator.
import test from 'ava';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledSimulatorPath, describeLimactl, resolveLimactl, withVersionKind } from '../../../src/lima/index.js';

const root = mkdtempSync(join(tmpdir(), 'rdd-lima-resolve-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));
const bin = join(root, 'bin');
mkdirSync(bin);
const limactl = join(bin, 'limactl');
writeFileSync(limactl, '#!/bin/sh\necho "limactl version 2.2.0"\n');
chmodSync(limactl, 0o755);

test('the configured path wins over RDD_LIMACTL and PATH', (t) => {
  const r = resolveLimactl({ configured: '/opt/lima/bin/limactl', env: { RDD_LIMACTL: '/x/limactl', PATH: bin } });
  t.like(r, { path: '/opt/lima/bin/limactl', kind: 'limactl', source: 'config', command: '/opt/lima/bin/limactl' });
  t.deepEqual(r.argsPrefix, []);
});

test('RDD_LIMACTL wins over PATH', (t) => {
  t.like(resolveLimactl({ env: { RDD_LIMACTL: '/x/limactl', PATH: bin } }), { path: '/x/limactl', source: 'env' });
});

test('limactl on PATH is used when nothing is configured', (t) => {
  t.like(resolveLimactl({ env: { PATH: `/nonexistent:${bin}` } }), { path: limactl, kind: 'limactl', source: 'path' });
});

test('without limactl on PATH the bundled simulator runs under node', (t) => {
  const r = resolveLimactl({ env: { PATH: '/nonexistent' } });
  t.like(r, { path: bundledSimulatorPath(), kind: 'simulator', source: 'bundled', command: process.execPath });
  t.deepEqual(r.argsPrefix, [bundledSimulatorPath()]);
  t.regex(bundledSimulatorPath(), /dist\/limactl-sim\.cjs$/);
});

test('the simulator is recognised by path when given explicitly', (t) => {
  t.is(resolveLimactl({ env: { RDD_LIMACTL: bundledSimulatorPath() } }).kind, 'simulator');
  t.is(resolveLimactl({ configured: '/usr/local/bin/rdd-limactl-sim' }).kind, 'simulator');
});

test('a --version containing -sim marks the binary as the simulator', (t) => {
  const r = resolveLimactl({ configured: '/usr/local/bin/limactl' });
  t.is(withVersionKind(r, 'limactl version 2.2.0-sim').kind, 'simulator');
  t.is(withVersionKind(r, 'limactl version 2.2.0').kind, 'limactl');
});

test('the choice is described for the user', (t) => {
  t.is(describeLimactl(resolveLimactl({ env: { PATH: bin } })), `limactl ${limactl} (from PATH)`);
  t.is(
    describeLimactl(resolveLimactl({ env: { PATH: '/nonexistent' } })),
    `Lima simulator ${bundledSimulatorPath()} (bundled; no limactl on PATH)`,
  );
});
