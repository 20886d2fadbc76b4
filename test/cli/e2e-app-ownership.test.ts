// End to end (issue 11, item 1): a user's own LimaVM `rd` survives `rdd start`, `rdd reset` and
// `rdd delete`; the App reports the conflict and the commands fail at once instead of waiting.
import test from 'ava';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { conditionOf, offlineTemplate, rddHome } from './helpers/harness.js';

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('a foreign LimaVM rd: start fails fast with NameConflict, reset refuses, delete leaves it and its instance', async (t) => {
  const h = rddHome(t);
  writeFileSync(join(h.home, 't.yaml'), offlineTemplate());
  const create = await h.run(['limavm', 'create', 'rd', 't.yaml']);
  t.is(create.exitCode, 0, create.stderr);
  const before = await h.get('limavm', 'rd');

  const start = await h.run(['start', '--timeout', '100s']);
  t.is(start.exitCode, 1, start.stderr);
  t.regex(start.stderr, /LimaVM default\/rd already exists and is not controlled by this App.*\(NameConflict\)/);
  const app = await h.get('app', 'app');
  t.like(conditionOf(app, 'Settled'), { status: 'False', reason: 'NameConflict', observedGeneration: app?.metadata.generation });

  const reset = await h.run(['reset']);
  t.is(reset.exitCode, 1);
  t.regex(reset.stderr, /not controlled by the App; not resetting it/);

  const del = await h.run(['delete']);
  t.is(del.exitCode, 0, del.stderr);
  const after = await h.get('limavm', 'rd');
  t.is(after?.metadata.uid, before?.metadata.uid);
  t.is(after?.metadata.deletionTimestamp, undefined);
  t.deepEqual(after?.metadata.finalizers, before?.metadata.finalizers);
  t.false((after?.spec as { running?: boolean }).running);
  t.true(existsSync(join(h.paths().limaHome, 'rd', 'lima.yaml')), 'the Lima instance is still on disk');
});
