import test from 'ava';
import { parse } from 'yaml';
import { fetchTemplateFailedMessage, mergeParams, templateConfigMapName } from '../../src/admission/index.js';
import {
  CLEANUP_FINALIZER,
  CONFIGMAP_KIND,
  isApiError,
  LIMAVM_KIND,
  NAMESPACE_KIND,
  TEMPLATE_CONFIGMAP_LABEL,
} from '../../src/api/index.js';
import { GOOD_TEMPLATE, limaVM, rejection, setup } from './helpers/setup.js';
import { until } from './helpers/validator.js';

test('creating a LimaVM adds the cleanup finalizer and creates <vm>-template with the merged template', async (t) => {
  const s = setup(t);
  const vm = await s.api.create(limaVM('x', 'default', { params: { FOO: 'baz', EXTRA: 'true' } }));
  t.deepEqual(vm.metadata.finalizers, [CLEANUP_FINALIZER]);
  const cm = s.store.mustGet(CONFIGMAP_KIND, 'default', templateConfigMapName('x'));
  t.is(cm.metadata.name, 'x-template');
  t.deepEqual(cm.metadata.labels, { [TEMPLATE_CONFIGMAP_LABEL]: 'true' });
  t.deepEqual(cm.metadata.finalizers, ['rdd.rancherdesktop.io/owned-by-LimaVM']);
  t.is(cm.metadata.ownerReferences, undefined, 'the LimaVM actor sets the owner reference later');
  const text = cm.data!.template!;
  t.deepEqual(parse(text), { ...(parse(GOOD_TEMPLATE) as object), param: { FOO: 'baz', EXTRA: 'true' } });
  t.true(text.startsWith('# a Lima template\n'), 'comments are kept');
  t.true(text.includes('EXTRA: "true"'), 'string params stay strings');
  // The merged text was validated once, in the precheck, under the VM's name.
  t.deepEqual(s.validator.calls, [{ name: 'x', template: text }]);
  t.deepEqual(s.events.slice(-2).map((e) => `${e.type} ${e.object.kind}`), ['ADDED ConfigMap', 'ADDED LimaVM']);
});

test('without params the source template is copied exactly', async (t) => {
  const s = setup(t);
  await s.api.create(limaVM('x'));
  t.is(s.store.mustGet(CONFIGMAP_KIND, 'default', 'x-template').data!.template, GOOD_TEMPLATE);
});

test('mergeParams creates the param map when absent and replaces given keys only', (t) => {
  t.is(mergeParams('images: []\n', { A: '1' }), 'images: []\nparam:\n  A: "1"\n');
  t.deepEqual(parse(mergeParams('param:\n  A: x\n  B: y\n', { B: 'z' })), { param: { A: 'x', B: 'z' } });
  t.is(mergeParams('anything: [\n', undefined), 'anything: [\n', 'no params, no parsing');
  t.throws(() => mergeParams('param: [1]\n', { A: '1' }), { message: /"param" in the template is not a map/ });
  t.throws(() => mergeParams('- a\n', { A: '1' }), { message: /not a YAML map/ });
});

test('templateRef.namespace defaults to the VM namespace and may name another', async (t) => {
  const s = setup(t);
  s.store.create({ apiVersion: 'v1', kind: NAMESPACE_KIND, metadata: { name: 'vms' } });
  await s.api.create(limaVM('x', 'vms', { templateRef: { name: 'src', namespace: 'default' } }));
  t.is(s.store.mustGet(CONFIGMAP_KIND, 'vms', 'x-template').data!.template, GOOD_TEMPLATE);
  const e = await rejection(t, s.api.create(limaVM('y', 'vms')));
  t.like(e, { code: 404, reason: 'NotFound' });
  t.is(e.message, 'failed to fetch template data: failed to get templateRef ConfigMap "src" in namespace "vms": configmaps "src" not found');
  t.is(e.message, fetchTemplateFailedMessage('src', 'vms', 'configmaps "src" not found'));
});

test('a source without a template key is copied as "" and fails as empty', async (t) => {
  const s = setup(t);
  s.store.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'empty', namespace: 'default' }, data: { other: 'x' } });
  const e = await rejection(t, s.api.create(limaVM('x', 'default', { templateRef: { name: 'empty' }, params: { A: 'b' } })));
  t.like(e, { code: 422, reason: 'Invalid' });
  t.is(e.message, 'failed to create template ConfigMap: configmaps "x-template" is invalid: data.template: "template" data cannot be empty');
  t.is(s.validator.calls.length, 0);
});

test('an invalid template rejects the VM and leaves nothing', async (t) => {
  const s = setup(t);
  s.store.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'bad', namespace: 'default' }, data: { template: 'cpus: 2\n' } });
  const rev = s.store.currentRevision();
  const e = await rejection(t, s.api.create(limaVM('x', 'default', { templateRef: { name: 'bad' } })));
  t.is(e.message, 'failed to create template ConfigMap: configmaps "x-template" is invalid: data.template: failed to validate template: field `images` must be set');
  t.is(s.store.currentRevision(), rev);
  t.is(s.store.get(CONFIGMAP_KIND, 'default', 'x-template'), undefined);
});

test('an existing <vm>-template makes the create fail with the AlreadyExists text inside', async (t) => {
  const s = setup(t);
  s.store.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'x-template', namespace: 'default' }, data: {} });
  const e = await rejection(t, s.api.create(limaVM('x')));
  t.like(e, { code: 409, reason: 'AlreadyExists' });
  t.is(e.message, 'failed to create template ConfigMap: configmaps "x-template" already exists');
});

test('a rejection after the defaulter leaves no template ConfigMap behind (anchor gap §8 item 12)', async (t) => {
  const s = setup(t);
  const before = { counts: s.counts(), rev: s.store.currentRevision(), events: s.events.length };
  // Schema validation runs after the mutating hooks; this spec fails it.
  const e = await rejection(t, s.api.create(limaVM('x', 'default', { running: 'yes' })));
  t.like(e, { code: 422 });
  t.regex(e.message, /spec\.running: Invalid value: "yes": must be of type boolean/);
  t.deepEqual({ counts: s.counts(), rev: s.store.currentRevision(), events: s.events.length }, before);
  t.is(s.store.get(CONFIGMAP_KIND, 'default', 'x-template'), undefined);
  // Nothing blocks a corrected retry.
  await s.api.create(limaVM('x'));
  t.truthy(s.store.get(CONFIGMAP_KIND, 'default', 'x-template'));
});

test('a dry-run LimaVM create runs the defaulter and leaves no ConfigMap, no event and no revision', async (t) => {
  const s = setup(t);
  const before = { counts: s.counts(), rev: s.store.currentRevision(), events: s.events.length };
  const vm = await s.api.create(limaVM('x'), { dryRun: true });
  t.is(vm.metadata.resourceVersion, '');
  t.deepEqual(vm.metadata.finalizers, [CLEANUP_FINALIZER]);
  t.deepEqual({ counts: s.counts(), rev: s.store.currentRevision(), events: s.events.length }, before);
  t.is(s.store.get(CONFIGMAP_KIND, 'default', 'x-template'), undefined);
  t.is(s.store.get(LIMAVM_KIND, 'default', 'x'), undefined);
});

test('two concurrent creates of the same VM name in different namespaces: exactly one wins', async (t) => {
  const s = setup(t);
  s.store.create({ apiVersion: 'v1', kind: NAMESPACE_KIND, metadata: { name: 'other' } });
  s.validator.hold();
  const one = s.api.create(limaVM('x', 'default'));
  const two = s.api.create(limaVM('x', 'other', { templateRef: { name: 'src', namespace: 'default' } }));
  // Both requests are inside their async precheck at the same time.
  await until(() => s.validator.calls.length === 2);
  s.validator.release();
  const results = await Promise.allSettled([one, two]);
  const ok = results.filter((r) => r.status === 'fulfilled');
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  t.is(ok.length, 1);
  t.is(failed.length, 1);
  const e = failed[0];
  t.true(isApiError(e) && e.code === 409);
  t.regex((e as Error).message, /^LimaVM name "x" is already used in namespace "(default|other)"; LimaVM names must be unique across all namespaces$/);
  t.is(s.store.list(LIMAVM_KIND, { name: 'x' }).items.length, 1);
  t.is(s.store.list(CONFIGMAP_KIND, { name: 'x-template' }).items.length, 1, 'the loser left no template ConfigMap');
});

test('a source edited while the precheck runs restarts the request, which then uses the new template', async (t) => {
  const s = setup(t);
  s.validator.hold();
  const pending = s.api.create(limaVM('x'));
  await until(() => s.validator.calls.length === 1);
  const edited = `${GOOD_TEMPLATE}# edited meanwhile\n`;
  s.store.patch(CONFIGMAP_KIND, 'default', 'src', { data: { template: edited } });
  s.validator.release();
  await pending;
  t.is(s.validator.calls.length, 2, 'the second attempt validated the new text');
  t.is(s.store.mustGet(CONFIGMAP_KIND, 'default', 'x-template').data!.template, edited);
});
