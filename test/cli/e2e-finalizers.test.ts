// The daemon serves clients through the client Api: a gateway client cannot add or remove an
// owned-by finalizer, while the daemon's own actors still create their owned objects.
import test from 'ava';
import { isApiError, ownedByFinalizer } from '../../src/api/index.js';
import { connect } from '../../src/transport/index.js';
import { OFFLINE_TEMPLATE } from '../helpers/core.js';
import { rddHome } from './helpers/harness.js';

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('a gateway client cannot add an owned-by finalizer; the daemon itself can', async (t) => {
  const h = rddHome(t);
  const started = await h.run(['service', 'start']);
  t.is(started.exitCode, 0, started.stderr);
  const c = await connect({ endpointFile: h.paths().endpointFile, requestTimeoutMs: 20_000 });
  t.teardown(() => c.close());
  const owned = ownedByFinalizer('LimaVM');
  const e = await t.throwsAsync(
    c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sneaky', namespace: 'default', finalizers: [owned] }, data: { a: 'b' } }),
  );
  t.true(isApiError(e) && e.code === 403, String(e));
  t.regex(e?.message ?? '', /cannot add finalizer "rdd\.rancherdesktop\.io\/owned-by-LimaVM" to "sneaky"/);
  // A LimaVM a client creates still gets its template ConfigMap, owned by it (a nested write).
  await c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tpl', namespace: 'default' }, data: { template: OFFLINE_TEMPLATE } });
  await c.create({ apiVersion: 'lima.rancherdesktop.io/v1alpha1', kind: 'LimaVM', metadata: { name: 'vm1', namespace: 'default' }, spec: { templateRef: { name: 'tpl' }, running: false } });
  const tcm = await c.get('ConfigMap', 'vm1-template', { namespace: 'default' });
  t.deepEqual(tcm.metadata.finalizers, [owned]);
  await h.shutdown(t);
});
