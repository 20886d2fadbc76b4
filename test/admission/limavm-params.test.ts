import test from 'ava';
import { parse } from 'yaml';
import { defaultHooks } from '../../src/admission/index.js';
import { limaVMParamsHook, replaceParams } from '../../src/admission/hooks/limavm-params.js';
import { CONFIGMAP_KIND, LIMAVM_KIND } from '../../src/api/index.js';
import { limaVM, rejection, setup } from './helpers/setup.js';

const withParams = (t: import('ava').ExecutionContext) =>
  setup(t, { hooks: (v) => [...defaultHooks({ templateValidator: v }), limaVMParamsHook(v)] });

test('a spec.params change rewrites param: in <vm>-template in the same transaction', async (t) => {
  const s = withParams(t);
  await s.api.create(limaVM('x', 'default', { params: { FOO: 'one' } }));
  const calls = s.validator.calls.length;
  const before = s.events.length;
  await s.api.patch(LIMAVM_KIND, 'default', 'x', { spec: { params: { FOO: 'two' } } });
  const cm = s.store.mustGet(CONFIGMAP_KIND, 'default', 'x-template');
  t.deepEqual((parse(cm.data!.template!) as { param: unknown }).param, { FOO: 'two' });
  t.is(s.validator.calls.length, calls + 1, 'the new text was validated once, in the precheck');
  t.deepEqual(s.events.slice(before).map((e) => `${e.type} ${e.object.kind}`), ['MODIFIED ConfigMap', 'MODIFIED LimaVM']);
});

test('a params change Lima rejects leaves both the VM and its template unchanged', async (t) => {
  const s = withParams(t);
  const vm = await s.api.create(limaVM('x'));
  const cm = s.store.mustGet(CONFIGMAP_KIND, 'default', 'x-template');
  s.validator.rejectAll = true;
  const e = await rejection(t, s.api.patch(LIMAVM_KIND, 'default', 'x', { spec: { params: { NEW: 'v' } } }));
  t.like(e, { code: 422 });
  t.regex(e.message, /failed to validate template: validator rejects everything now/);
  t.deepEqual(s.store.mustGet(LIMAVM_KIND, 'default', 'x'), vm);
  t.deepEqual(s.store.mustGet(CONFIGMAP_KIND, 'default', 'x-template'), cm);
});

test('a dry-run params change touches nothing', async (t) => {
  const s = withParams(t);
  await s.api.create(limaVM('x', 'default', { params: { FOO: 'one' } }));
  const rev = s.store.currentRevision();
  await s.api.patch(LIMAVM_KIND, 'default', 'x', { spec: { params: { FOO: 'two' } } }, { dryRun: true });
  t.is(s.store.currentRevision(), rev);
  t.regex(s.store.mustGet(CONFIGMAP_KIND, 'default', 'x-template').data!.template!, /FOO: one/);
});

test('replaceParams drops removed keys and the empty block', (t) => {
  t.deepEqual(parse(replaceParams('param:\n  A: x\n  B: y\n', { A: 'x', B: 'y' }, { B: 'z' })), { param: { B: 'z' } });
  t.deepEqual(parse(replaceParams('images: []\nparam:\n  A: x\n', { A: 'x' }, {})), { images: [] });
  t.is(replaceParams('images: []\n', {}, {}), 'images: []\n');
});
