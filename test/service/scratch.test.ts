// validate's temporary templates live in the service dir, which a daemon start empties, so a
// daemon killed mid-validate leaves nothing behind in $TMPDIR (issue 11, item 11a).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { resolveInstance, resolvePaths } from '../../src/service/instance.js';
import { limaVM, startTestCore, templateConfigMap } from '../helpers/core.js';

test('validate writes under the service dir; a daemon start removes what a killed daemon left', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rddt-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const paths = resolvePaths(resolveInstance('2', {}), { RDD_HOME: home });
  // What a daemon killed during `limactl validate` leaves.
  const leftover = join(paths.tmpDir, 'rdd-validate-AbC123');
  mkdirSync(leftover, { recursive: true });
  writeFileSync(join(leftover, 'vm1.yaml'), 'images: []\n');

  const tc = await startTestCore(t, { home });
  t.false(existsSync(leftover));

  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1'));
  const files = tc.calls().flatMap((c) => (c.kind === 'call' && c.argv.includes('validate') ? [c.argv.at(-1) ?? ''] : []));
  t.true(files.length > 0, 'admission ran limactl validate');
  for (const f of files) t.true(f.startsWith(join(paths.tmpDir, 'rdd-validate-')), f);
  t.deepEqual(readdirSync(paths.tmpDir), [], 'each validate removes its own directory');
});
