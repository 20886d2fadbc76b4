import test from 'ava';
import {
  APP_NAME_MESSAGE,
  ownedDeletionMessage,
  TEMPLATE_EMPTY_MESSAGE,
  TEMPLATE_LABEL_REMOVAL_MESSAGE,
  TEMPLATE_MISSING_MESSAGE,
  terminatingNamespaceMessage,
} from '../../src/admission/index.js';
import {
  APP_KIND,
  CONFIGMAP_KIND,
  LIMAVM_KIND,
  NAMESPACE_KIND,
  ownedByFinalizer,
  TEMPLATE_CONFIGMAP_LABEL,
  type ResourceInput,
} from '../../src/api/index.js';
import { app, GOOD_TEMPLATE, limaVM, rejection, setup } from './helpers/setup.js';

const templateCM = (name: string, data: Record<string, string> | undefined, extra: Partial<ResourceInput['metadata']> = {}): ResourceInput => ({
  apiVersion: 'v1',
  kind: CONFIGMAP_KIND,
  metadata: { name, namespace: 'default', labels: { [TEMPLATE_CONFIGMAP_LABEL]: 'true' }, ...extra },
  ...(data ? { data } : {}),
});

test('an App must be named app', async (t) => {
  const s = setup(t);
  const e = await rejection(t, s.api.create(app('other')));
  t.like(e, { code: 422, reason: 'Invalid' });
  t.is(e.message, `apps.app.rancherdesktop.io "other" is invalid: metadata.name: ${APP_NAME_MESSAGE}`);
  t.is((await s.api.create(app('app'))).metadata.name, 'app');
});

test('App spec.namespace is immutable; unset counts as "default"', async (t) => {
  const s = setup(t);
  const o = await s.api.create({ ...app(), spec: { running: false } });
  // Setting the defaulted value explicitly is not a change.
  const same = await s.api.update({ ...o, spec: { ...(o.spec as object), namespace: 'default' } });
  t.is(same.metadata.resourceVersion, o.metadata.resourceVersion);
  const e = await rejection(t, s.api.patch(APP_KIND, '', 'app', { spec: { namespace: 'other' } }));
  t.like(e, { code: 422 });
  t.is(e.message, 'apps.app.rancherdesktop.io "app" is invalid: spec.namespace: Invalid value: "other": spec.namespace is immutable');
});

test('LimaVM templateRef is immutable', async (t) => {
  const s = setup(t);
  await s.api.create(limaVM('x'));
  const e = await rejection(t, s.api.patch(LIMAVM_KIND, 'default', 'x', { spec: { templateRef: { name: 'src', namespace: 'default' } } }));
  t.like(e, { code: 422 });
  t.regex(e.message, /spec\.templateRef: Invalid value: "object": templateRef is immutable$/);
  t.is((await s.api.patch(LIMAVM_KIND, 'default', 'x', { spec: { running: true } })).metadata.generation, 2);
});

const badVMName = test.macro({
  async exec(t, name: string, fragment: string) {
    const s = setup(t);
    const e = await rejection(t, s.api.create(limaVM(name)));
    t.like(e, { code: 422, reason: 'Invalid' });
    t.is(e.details?.causes?.[0]?.field, 'metadata.name');
    t.true(e.message.includes(fragment), e.message);
    t.is(s.store.list(CONFIGMAP_KIND).items.length, 1, 'no template ConfigMap was created');
  },
  title: (_p, name: string) => `LimaVM name ${JSON.stringify(name)} is rejected with 422`,
});

test(badVMName, 'a--b', 'valid Lima instance name');
test(badVMName, 'vm.yaml', 'must not end in ".yml" or ".yaml"');
test(badVMName, 'Upper', 'lowercase RFC 1123 subdomain');
test(badVMName, 'x'.repeat(77), 'no more than 76 characters');

test('LimaVM names are unique across namespaces', async (t) => {
  const s = setup(t);
  s.store.create({ apiVersion: 'v1', kind: NAMESPACE_KIND, metadata: { name: 'other' } });
  await s.api.create(limaVM('x', 'default'));
  const e = await rejection(t, s.api.create(limaVM('x', 'other', { templateRef: { name: 'src', namespace: 'default' } })));
  t.like(e, { code: 409, reason: 'AlreadyExists' });
  t.is(e.message, 'LimaVM name "x" is already used in namespace "default"; LimaVM names must be unique across all namespaces');
  const same = await rejection(t, s.api.create(limaVM('x', 'default')));
  t.is(same.message, e.message, 'the same message for a duplicate in the same namespace');
});

test('creating in a missing namespace is 404; in a terminating one 403', async (t) => {
  const s = setup(t);
  const missing = await rejection(t, s.api.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'c', namespace: 'nope' } }));
  t.like(missing, { code: 404, reason: 'NotFound', message: 'namespaces "nope" not found' });
  s.store.create({ apiVersion: 'v1', kind: NAMESPACE_KIND, metadata: { name: 'ending', finalizers: ['kubernetes.io/x'] } });
  s.store.delete(NAMESPACE_KIND, '', 'ending');
  const ending = await rejection(t, s.api.create(limaVM('x', 'ending')));
  t.like(ending, { code: 403, reason: 'Forbidden', message: terminatingNamespaceMessage('ending') });
  t.is(ending.message, 'unable to create new content in namespace ending because it is being terminated');
  t.is(s.store.list(CONFIGMAP_KIND, { namespace: 'ending' }).items.length, 0);
});

test('the owned-deletion guard rejects deleting an owned object, dry run included, and leaves it untouched', async (t) => {
  const s = setup(t);
  const vm = await s.api.create({ ...limaVM('rd'), metadata: { name: 'rd', namespace: 'default', finalizers: [ownedByFinalizer(APP_KIND)] } });
  for (const dryRun of [true, false]) {
    const e = await rejection(t, s.api.delete(LIMAVM_KIND, 'default', 'rd', { dryRun }));
    t.like(e, { code: 403, reason: 'Forbidden' });
    t.is(e.message, 'cannot delete "rd": owned by App; delete the App resource instead');
  }
  const cmErr = await rejection(t, s.api.delete(CONFIGMAP_KIND, 'default', 'rd-template'));
  t.is(cmErr.message, ownedDeletionMessage('rd-template', LIMAVM_KIND));
  const now = s.store.mustGet(LIMAVM_KIND, 'default', 'rd');
  t.is(now.metadata.deletionTimestamp, undefined, 'not left Terminating');
  t.is(now.metadata.resourceVersion, vm.metadata.resourceVersion);
  // Once the owner releases its finalizer, the delete goes through.
  await s.api.patch(LIMAVM_KIND, 'default', 'rd', { metadata: { finalizers: ['rdd.rancherdesktop.io/cleanup'] } });
  t.false((await s.api.delete(LIMAVM_KIND, 'default', 'rd')).removed);
});

test('the template label cannot be removed from an owned template ConfigMap', async (t) => {
  const s = setup(t);
  await s.api.create(limaVM('x'));
  for (const labels of [null, { [TEMPLATE_CONFIGMAP_LABEL]: 'false' }]) {
    const e = await rejection(t, s.api.patch(CONFIGMAP_KIND, 'default', 'x-template', { metadata: { labels } }));
    t.like(e, { code: 403, reason: 'Forbidden', message: TEMPLATE_LABEL_REMOVAL_MESSAGE });
  }
  t.is(TEMPLATE_LABEL_REMOVAL_MESSAGE, 'cannot remove lima.rancherdesktop.io/template-configmap label: resource is owned');
  // Other labels may change; an unowned labelled ConfigMap may drop the label.
  await s.api.patch(CONFIGMAP_KIND, 'default', 'x-template', { metadata: { labels: { extra: 'y' } } });
  await s.api.create(templateCM('free', { template: GOOD_TEMPLATE }));
  const freed = await s.api.patch(CONFIGMAP_KIND, 'default', 'free', { metadata: { labels: null } });
  t.is(freed.metadata.labels, undefined);
});

test('a template ConfigMap needs a non-empty template that Lima accepts', async (t) => {
  const s = setup(t);
  const missing = await rejection(t, s.api.create(templateCM('a', { other: 'x' })));
  t.like(missing, { code: 422 });
  t.is(missing.message, `configmaps "a" is invalid: data.template: ${TEMPLATE_MISSING_MESSAGE}`);
  t.is(TEMPLATE_MISSING_MESSAGE, 'template ConfigMap must have a "template" data entry');
  const noData = await rejection(t, s.api.create(templateCM('a', undefined)));
  t.regex(noData.message, /must have a "template" data entry/);
  const empty = await rejection(t, s.api.create(templateCM('a', { template: '  \n' })));
  t.is(empty.message, `configmaps "a" is invalid: data.template: ${TEMPLATE_EMPTY_MESSAGE}`);
  t.is(TEMPLATE_EMPTY_MESSAGE, '"template" data cannot be empty');
  const bad = await rejection(t, s.api.create(templateCM('a', { template: 'cpus: 2\n' })));
  t.like(bad, { code: 422 });
  t.is(bad.message, 'configmaps "a" is invalid: data.template: failed to validate template: field `images` must be set');
  t.is(s.validator.calls.length, 1, 'Lima ran once, for the only non-empty template');
  const ok = await s.api.create(templateCM('a', { template: GOOD_TEMPLATE }));
  t.is(ok.data!.template, GOOD_TEMPLATE);
  // ConfigMaps without the label are not template ConfigMaps.
  await s.api.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'plain', namespace: 'default' }, data: { other: '' } });
});

test('only a changed template is validated again: finalizer and ownerRef edits never call Lima', async (t) => {
  const s = setup(t);
  await s.api.create(templateCM('a', { template: GOOD_TEMPLATE }, { finalizers: [ownedByFinalizer(LIMAVM_KIND)] }));
  const calls = s.validator.calls.length;
  s.validator.rejectAll = true;
  await s.api.patch(CONFIGMAP_KIND, 'default', 'a', {
    metadata: { finalizers: null, ownerReferences: [{ apiVersion: 'v1', kind: 'LimaVM', name: 'x', uid: 'u1', controller: true }] },
  });
  await s.api.patch(CONFIGMAP_KIND, 'default', 'a', { data: { extra: 'other keys are not the template' } });
  t.is(s.validator.calls.length, calls);
  const e = await rejection(t, s.api.patch(CONFIGMAP_KIND, 'default', 'a', { data: { template: `${GOOD_TEMPLATE}# edited\n` } }));
  t.is(e.message, 'configmaps "a" is invalid: data.template: failed to validate template: validator rejects everything now');
  t.is(s.validator.calls.length, calls + 1);
  t.deepEqual(s.validator.calls.at(-1)!.name, 'a');
});

test('labelling an existing ConfigMap as a template validates it', async (t) => {
  const s = setup(t);
  await s.api.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'c', namespace: 'default' }, data: { template: 'cpus: 1' } });
  const e = await rejection(t, s.api.patch(CONFIGMAP_KIND, 'default', 'c', { metadata: { labels: { [TEMPLATE_CONFIGMAP_LABEL]: 'true' } } }));
  t.regex(e.message, /failed to validate template: field `images` must be set/);
});
