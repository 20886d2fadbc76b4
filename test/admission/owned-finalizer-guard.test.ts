// Clients may not add or remove owned-by-<Kind> finalizers; the daemon's own writes (actors, and
// nested writes made by hooks) may (issue 11, item 11c).
import test from 'ava';
import { createApi, defaultHooks, ownedFinalizerMessage } from '../../src/admission/index.js';
import { APP_KIND, CONFIGMAP_KIND, LIMAVM_KIND, ownedByFinalizer, type Resource } from '../../src/api/index.js';
import { silentLogger } from '../../src/log.js';
import { limaVM, rejection, setup } from './helpers/setup.js';

const OWNED_BY_APP = ownedByFinalizer(APP_KIND);
const OWNED_BY_LIMAVM = ownedByFinalizer(LIMAVM_KIND);

function withClient(t: Parameters<typeof setup>[0]) {
  const s = setup(t);
  // The daemon's two Apis over one store: `s.api` for actors, `client` for the gateway.
  const client = createApi({ store: s.store, hooks: defaultHooks({ templateValidator: s.validator }), log: silentLogger(), origin: 'client' });
  return { s, client };
}

const ownedVM = () => ({ ...limaVM('rd'), metadata: { name: 'rd', namespace: 'default', finalizers: [OWNED_BY_APP] } });

test('a client cannot create an object that carries an owned-by finalizer', async (t) => {
  const { s, client } = withClient(t);
  const e = await rejection(t, client.create(ownedVM()));
  t.like(e, { code: 403, reason: 'Forbidden', message: ownedFinalizerMessage('rd', 'add', OWNED_BY_APP) });
  t.regex(e.message, /only the App controller adds it/);
  t.is(s.store.get(LIMAVM_KIND, 'default', 'rd'), undefined);
  // The actor's create (the App creating its VM) is fine.
  t.true((await s.api.create(ownedVM())).metadata.finalizers?.includes(OWNED_BY_APP));
});

test("a client's create still gets the finalizers hooks add in nested writes", async (t) => {
  const { s, client } = withClient(t);
  await client.create(limaVM('vm1'));
  // The defaulter creates vm1-template owned by the LimaVM: a nested write, the daemon's own.
  t.deepEqual(s.store.mustGet(CONFIGMAP_KIND, 'default', 'vm1-template').metadata.finalizers, [OWNED_BY_LIMAVM]);
});

test('a client cannot remove an owned-by finalizer, by update or by patch, dry run included', async (t) => {
  const { s, client } = withClient(t);
  const vm = await s.api.create(ownedVM());
  const stripped: Resource = { ...vm, metadata: { ...vm.metadata, finalizers: [] } };
  const attempts = [
    () => client.update(stripped),
    () => client.update(stripped, { dryRun: true }),
    () => client.patch(LIMAVM_KIND, 'default', 'rd', { metadata: { finalizers: null } }),
    () => client.patch(LIMAVM_KIND, 'default', 'rd', { metadata: { finalizers: ['example.com/other'] } }),
  ];
  for (const attempt of attempts) {
    const e = await rejection(t, attempt());
    t.like(e, { code: 403, reason: 'Forbidden', message: ownedFinalizerMessage('rd', 'remove', OWNED_BY_APP) });
    t.regex(e.message, /delete the App resource to release the object/);
  }
  t.is(s.store.mustGet(LIMAVM_KIND, 'default', 'rd').metadata.resourceVersion, vm.metadata.resourceVersion, 'nothing written');
  // The owner's actor releases it (Api.sync, as actors write).
  const others = (vm.metadata.finalizers ?? []).filter((f) => f !== OWNED_BY_APP);
  const released = s.api.sync.update({ ...vm, metadata: { ...vm.metadata, finalizers: others } });
  t.deepEqual(released.metadata.finalizers ?? [], others);
});

test('a client cannot add an owned-by finalizer to an existing object', async (t) => {
  const { s, client } = withClient(t);
  await client.create({ apiVersion: 'v1', kind: CONFIGMAP_KIND, metadata: { name: 'mine', namespace: 'default' }, data: { a: 'b' } });
  const e = await rejection(t, client.patch(CONFIGMAP_KIND, 'default', 'mine', { metadata: { finalizers: [OWNED_BY_LIMAVM] } }));
  t.like(e, { code: 403, message: ownedFinalizerMessage('mine', 'add', OWNED_BY_LIMAVM) });
  t.is(s.store.mustGet(CONFIGMAP_KIND, 'default', 'mine').metadata.finalizers, undefined);
});

test('a client may edit everything else on an owned object, and its own finalizers', async (t) => {
  const { s, client } = withClient(t);
  const vm = await s.api.create(ownedVM());
  const had = vm.metadata.finalizers ?? [];
  const labelled = await client.patch(LIMAVM_KIND, 'default', 'rd', { metadata: { labels: { team: 'a' }, finalizers: [...had, 'example.com/mine'] } });
  t.deepEqual(labelled.metadata.finalizers, [...had, 'example.com/mine']);
  t.is(labelled.metadata.labels?.team, 'a');
  const back = await client.patch(LIMAVM_KIND, 'default', 'rd', { metadata: { finalizers: had } });
  t.deepEqual(back.metadata.finalizers, had);
});
