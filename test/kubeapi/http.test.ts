// The Kubernetes API over HTTPS at the wire level: auth, discovery, openapi, CRUD, patches,
// Status errors for bad input (with nothing stored), paging, tables and watch.
import test from 'ava';
import fc from 'fast-check';
import { CM_PATH, cm, readEvents, startKubeEnv } from './helpers.js';

const LIMA_GV = '/apis/lima.rancherdesktop.io/v1alpha1';
const APP_GV = '/apis/app.rancherdesktop.io/v1alpha1';

test('auth: no token and a wrong token are 401 Status; /version and health answer without one', async (t) => {
  const env = await startKubeEnv(t);
  const none = await env.request('GET', CM_PATH, { token: null });
  t.is(none.status, 401);
  t.like(none.json, { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
  const wrong = await env.request('GET', '/api', { token: 'nope' });
  t.is(wrong.status, 401);
  t.is((await env.request('GET', '/version', { token: null })).json.major, '1');
  const health = await env.request('GET', '/readyz', { token: null });
  t.is(health.status, 200);
  t.is(health.text, 'ok');
  t.is((await env.request('GET', '/apis', { token: null })).status, 401);
  t.is(env.kube.stats().unauthorized, 3);
});

test('discovery: groups, resources, short names, categories and status subresources', async (t) => {
  const env = await startKubeEnv(t);
  const api = await env.request('GET', '/api');
  t.deepEqual(api.json.versions, ['v1']);
  const core = (await env.request('GET', '/api/v1')).json as { resources: Array<{ name: string; namespaced: boolean; verbs: string[] }> };
  t.deepEqual(core.resources.map((r) => r.name).sort(), ['configmaps', 'namespaces', 'namespaces/status']);
  t.false(core.resources.find((r) => r.name === 'namespaces')!.namespaced);
  const groups = (await env.request('GET', '/apis')).json as { groups: Array<{ name: string; preferredVersion: { version: string } }> };
  t.deepEqual(groups.groups.map((g) => g.name).sort(), ['app.rancherdesktop.io', 'lima.rancherdesktop.io']);
  t.is((await env.request('GET', '/apis/lima.rancherdesktop.io')).json.name, 'lima.rancherdesktop.io');
  const lima = (await env.request('GET', LIMA_GV)).json as {
    resources: Array<{ name: string; shortNames?: string[]; categories?: string[]; verbs: string[]; namespaced: boolean }>;
  };
  const vm = lima.resources.find((r) => r.name === 'limavms')!;
  t.deepEqual(vm.shortNames, ['vm', 'lima']);
  t.deepEqual(vm.categories, ['all']);
  t.true(vm.namespaced);
  t.true(vm.verbs.includes('watch') && vm.verbs.includes('deletecollection'));
  t.deepEqual(lima.resources.find((r) => r.name === 'limavms/status')!.verbs, ['get', 'patch', 'update']);
  const app = (await env.request('GET', APP_GV)).json as { resources: Array<{ name: string; namespaced: boolean; categories?: string[] }> };
  t.like(app.resources.find((r) => r.name === 'apps'), { namespaced: false, categories: ['all'] });
  t.is((await env.request('GET', '/apis/nope.example.com/v1')).status, 404);
});

test('aggregated discovery: one document for /api and one for /apis when kubectl asks for it', async (t) => {
  const env = await startKubeEnv(t);
  const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
  const apis = await env.request('GET', '/apis', { accept });
  t.is(apis.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  const items = apis.json.items as Array<{ metadata: { name?: string }; versions: Array<{ version: string; freshness: string; resources: Array<Record<string, unknown>> }> }>;
  t.deepEqual(items.map((i) => i.metadata.name).sort(), ['app.rancherdesktop.io', 'lima.rancherdesktop.io']);
  const vm = items.find((i) => i.metadata.name === 'lima.rancherdesktop.io')!.versions[0]!;
  t.is(vm.freshness, 'Current');
  t.like(vm.resources[0], {
    resource: 'limavms',
    scope: 'Namespaced',
    shortNames: ['vm', 'lima'],
    categories: ['all'],
    responseKind: { group: 'lima.rancherdesktop.io', version: 'v1alpha1', kind: 'LimaVM' },
    subresources: [{ subresource: 'status', verbs: ['get', 'patch', 'update'] }],
  });
  const core = await env.request('GET', '/api', { accept });
  const coreItems = core.json.items as Array<{ versions: Array<{ resources: Array<{ resource: string; scope: string }> }> }>;
  t.deepEqual(coreItems[0]!.versions[0]!.resources.map((r) => [r.resource, r.scope]), [['namespaces', 'Cluster'], ['configmaps', 'Namespaced']]);
  // Plain JSON first in the Accept list means the legacy documents.
  t.is((await env.request('GET', '/apis', { accept: 'application/json' })).json.kind, 'APIGroupList');
});

test('shutdown ends open watches and refuses new requests', async (t) => {
  const env = await startKubeEnv(t);
  const res = await env.stream(`${CM_PATH}?watch=1`);
  const ended = new Promise<void>((resolve) => res.once('end', () => resolve()).resume());
  t.is(env.kube.stats().watches, 1);
  await env.kube.close({ timeoutMs: 2_000 });
  await ended;
  t.is(env.kube.stats().watches, 0);
  await t.throwsAsync(env.request('GET', CM_PATH));
});

test('openapi v3: a document per group/version, schemas from TypeBox, PATCH declares fieldValidation', async (t) => {
  const env = await startKubeEnv(t);
  const root = (await env.request('GET', '/openapi/v3')).json as { paths: Record<string, { serverRelativeURL: string }> };
  t.deepEqual(Object.keys(root.paths).sort(), ['api/v1', 'apis/app.rancherdesktop.io/v1alpha1', 'apis/lima.rancherdesktop.io/v1alpha1']);
  const doc = (await env.request('GET', root.paths['apis/app.rancherdesktop.io/v1alpha1']!.serverRelativeURL)).json as {
    paths: Record<string, { patch?: { parameters?: Array<{ name: string }>; 'x-kubernetes-group-version-kind'?: unknown } }>;
    components: { schemas: Record<string, { properties?: Record<string, { properties?: Record<string, { description?: string; enum?: unknown[] }> }>; 'x-kubernetes-group-version-kind'?: unknown }> };
  };
  const app = doc.components.schemas['io.rancherdesktop.app.v1alpha1.App']!;
  t.deepEqual(app['x-kubernetes-group-version-kind'], [{ group: 'app.rancherdesktop.io', version: 'v1alpha1', kind: 'App' }]);
  t.regex(app.properties!.spec!.properties!.running!.description!, /starts or stops the VM/);
  const item = doc.paths['/apis/app.rancherdesktop.io/v1alpha1/apps/{name}']!;
  t.true(item.patch!.parameters!.some((p) => p.name === 'fieldValidation'));
  t.like(item.patch!['x-kubernetes-group-version-kind'], { kind: 'App' });
});

test('create, get, list with selectors, replace with a stale resourceVersion is 409', async (t) => {
  const env = await startKubeEnv(t);
  const created = await env.request('POST', CM_PATH, { body: cm('a', { x: '1' }, { tier: 'web' }) });
  t.is(created.status, 201);
  await env.request('POST', CM_PATH, { body: cm('b', { x: '2' }, { tier: 'db' }) });
  const got = await env.request('GET', `${CM_PATH}/a`);
  t.like(got.json, { kind: 'ConfigMap', data: { x: '1' } });
  const byLabel = (await env.request('GET', `${CM_PATH}?labelSelector=tier%3Dweb`)).json as { kind: string; items: Array<{ metadata: { name: string } }>; metadata: { resourceVersion: string } };
  t.is(byLabel.kind, 'ConfigMapList');
  t.deepEqual(byLabel.items.map((i) => i.metadata.name), ['a']);
  t.is(byLabel.metadata.resourceVersion, String(env.store.currentRevision()));
  const byField = (await env.request('GET', `/api/v1/configmaps?fieldSelector=metadata.name!%3Da`)).json as { items: Array<{ metadata: { name: string } }> };
  t.deepEqual(byField.items.map((i) => i.metadata.name), ['b']);
  const stale = got.json as { metadata: { resourceVersion: string } };
  await env.request('PATCH', `${CM_PATH}/a`, { body: { data: { x: '3' } }, contentType: 'application/merge-patch+json' });
  const put = await env.request('PUT', `${CM_PATH}/a`, { body: { ...cm('a', { x: '4' }), metadata: { name: 'a', namespace: 'default', resourceVersion: stale.metadata.resourceVersion } } });
  t.is(put.status, 409);
  t.like(put.json, { kind: 'Status', reason: 'Conflict', code: 409 });
  t.is(env.store.get('ConfigMap', 'default', 'a')!.data!.x, '3');
  const missing = await env.request('GET', `${CM_PATH}/zz`);
  t.like(missing.json, { code: 404, reason: 'NotFound', message: 'configmaps "zz" not found', details: { name: 'zz', kind: 'configmaps' } });
});

test('dryRun=All runs admission and stores nothing; generateName makes a name', async (t) => {
  const env = await startKubeEnv(t);
  const rev = env.store.currentRevision();
  const dry = await env.request('POST', `${CM_PATH}?dryRun=All`, { body: cm('dry') });
  t.is(dry.status, 201);
  t.like(dry.json, { metadata: { name: 'dry', resourceVersion: '' } });
  t.is(env.store.get('ConfigMap', 'default', 'dry'), undefined);
  t.is(env.store.currentRevision(), rev);
  t.is((await env.request('POST', `${CM_PATH}?dryRun=Some`, { body: cm('dry') })).status, 400);
  const gen = await env.request('POST', CM_PATH, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } } });
  t.regex((gen.json.metadata as { name: string }).name, /^gen-[a-z0-9]{5}$/);
});

test('bad input gets a Status and stores nothing', async (t) => {
  const env = await startKubeEnv(t, { limits: { maxBodyBytes: 4096 } });
  await env.request('POST', CM_PATH, { body: cm('keep') });
  const rev = env.store.currentRevision();
  const cases: Array<[string, Promise<{ status: number; json: Record<string, unknown> }>, number, RegExp]> = [
    ['malformed JSON', env.request('POST', CM_PATH, { raw: '{"apiVersion":' }), 400, /not valid JSON/],
    ['malformed YAML', env.request('POST', CM_PATH, { raw: 'a: [b', contentType: 'application/yaml' }), 400, /not valid YAML/],
    // The parser accepts these; building the value throws (found by the fuzz test).
    ['a YAML alias to no anchor', env.request('POST', CM_PATH, { raw: '*!', contentType: 'application/yaml' }), 400, /not valid YAML: Unresolved alias/],
    ['YAML aliases past the limit', env.request('POST', CM_PATH, { raw: `a: &a [x]\nb: [${Array(101).fill('*a').join(', ')}]`, contentType: 'application/yaml' }), 400, /not valid YAML: Excessive alias count/],
    ['a body that is not an object', env.request('POST', CM_PATH, { raw: '[1]' }), 400, /must be a JSON object/],
    ['an unknown field, strict', env.request('POST', `${CM_PATH}?fieldValidation=Strict`, { body: { ...cm('x'), foo: 1 } }), 400, /unknown field "foo"/],
    ['a huge body', env.request('POST', CM_PATH, { body: cm('big', { k: 'x'.repeat(10_000) }) }), 413, /over the 4096-byte limit/],
    ['a bad label selector', env.request('GET', `${CM_PATH}?labelSelector=a%20in%20(`), 400, /selector/],
    ['an unsupported field selector', env.request('GET', `${CM_PATH}?fieldSelector=spec.x%3D1`), 400, /field label not supported: spec.x/],
    ['a kind that does not match the URL', env.request('POST', CM_PATH, { body: { ...cm('x'), kind: 'Namespace' } }), 400, /URL is for ConfigMap/],
    ['another namespace in the body', env.request('POST', CM_PATH, { body: { ...cm('x'), metadata: { name: 'x', namespace: 'other' } } }), 400, /does not match the namespace/],
    ['a bad JSON patch', env.request('PATCH', `${CM_PATH}/keep`, { body: [{ op: 'frob', path: '/data' }], contentType: 'application/json-patch+json' }), 400, /unknown "op"/],
    ['a failed JSON patch test', env.request('PATCH', `${CM_PATH}/keep`, { body: [{ op: 'test', path: '/data/k', value: 'no' }, { op: 'remove', path: '/data' }], contentType: 'application/json-patch+json' }), 422, /test operation 0 failed/],
    ['a merge patch that is not an object', env.request('PATCH', `${CM_PATH}/keep`, { body: [1], contentType: 'application/merge-patch+json' }), 400, /must be a JSON object/],
    ['strategic merge on a custom kind', env.request('PATCH', `${APP_GV}/apps/app`, { body: {}, contentType: 'application/strategic-merge-patch+json' }), 415, /accepted media types/],
    ['server-side apply', env.request('PATCH', `${CM_PATH}/keep`, { raw: 'data: {k: v}', contentType: 'application/apply-patch+yaml' }), 415, /server-side apply/],
    ['an unknown patch type', env.request('PATCH', `${CM_PATH}/keep`, { raw: '{}', contentType: 'text/plain' }), 415, /unknown format/],
    ['a renaming patch', env.request('PATCH', `${CM_PATH}/keep`, { body: [{ op: 'replace', path: '/metadata/name', value: 'other' }], contentType: 'application/json-patch+json' }), 400, /cannot change the name/],
    ['an invalid label', env.request('PATCH', `${CM_PATH}/keep`, { body: { metadata: { labels: { 'bad key!': 'v' } } }, contentType: 'application/merge-patch+json' }), 422, /metadata.labels/],
    ['an unknown subresource', env.request('GET', `${CM_PATH}/keep/scale`), 404, /only status/],
    ['a bad continue token', env.request('GET', `${CM_PATH}?limit=1&continue=xyz`), 400, /continue token/],
    ['a future resourceVersion', env.request('GET', `${CM_PATH}?resourceVersion=999999`), 504, /Too large resource version/],
    ['an unsupported propagation policy', env.request('DELETE', `${CM_PATH}/keep?propagationPolicy=Orphan`), 400, /not supported/],
  ];
  for (const [what, p, code, message] of cases) {
    const r = await p;
    t.is(r.status, code, what);
    t.like(r.json, { kind: 'Status', status: 'Failure', code }, what);
    t.regex(String(r.json.message), message, what);
  }
  t.is(env.store.currentRevision(), rev, 'nothing was stored');
  t.deepEqual(env.store.get('ConfigMap', 'default', 'keep')!.data, { k: 'v' });
});

test('an unknown field is dropped with a Warning header by default', async (t) => {
  const env = await startKubeEnv(t);
  const r = await env.request('POST', CM_PATH, { body: { ...cm('w'), foo: 1, metadata: { name: 'w', namespace: 'default', bar: 2 } } });
  t.is(r.status, 201);
  t.regex(String(r.headers.warning), /299 - "unknown field \\"foo\\""/);
  t.regex(String(r.headers.warning), /metadata\.bar/);
  t.false('foo' in (env.store.get('ConfigMap', 'default', 'w') as object));
  // A field name a header cannot carry as is still gets a warning, escaped.
  const odd = await env.request('POST', CM_PATH, { body: { ...cm('w2'), 'fé\n': 1 } });
  t.is(odd.status, 201);
  t.regex(String(odd.headers.warning), /unknown field \\"f\\u00e9\\n\\"/);
});

test('patches: merge, JSON patch, strategic merge for built-in kinds, status only through /status', async (t) => {
  const env = await startKubeEnv(t);
  await env.request('POST', CM_PATH, { body: cm('p', { a: '1' }) });
  await env.request('PATCH', `${CM_PATH}/p`, { body: { data: { b: '2' } }, contentType: 'application/merge-patch+json' });
  await env.request('PATCH', `${CM_PATH}/p`, { body: [{ op: 'add', path: '/metadata/labels', value: { l: 'x' } }, { op: 'remove', path: '/data/a' }], contentType: 'application/json-patch+json' });
  const smp = await env.request('PATCH', `${CM_PATH}/p`, {
    body: { $setElementOrder: undefined, metadata: { finalizers: ['example.com/f'], labels: { m: 'y' } }, data: { c: '3' } },
    contentType: 'application/strategic-merge-patch+json',
  });
  t.is(smp.status, 200);
  const obj = env.store.get('ConfigMap', 'default', 'p')!;
  t.deepEqual(obj.data, { b: '2', c: '3' });
  t.deepEqual(obj.metadata.labels, { l: 'x', m: 'y' });
  t.deepEqual(obj.metadata.finalizers, ['example.com/f']);
  // A status write changes status only; the label in it is ignored.
  const st = await env.request('PATCH', '/api/v1/namespaces/default/status', {
    body: { metadata: { labels: { ignored: 'yes' } }, status: { phase: 'Active' } },
    contentType: 'application/merge-patch+json',
  });
  t.is(st.status, 200);
  const ns = env.store.get('Namespace', '', 'default')!;
  t.deepEqual(ns.status, { phase: 'Active' });
  t.is(ns.metadata.labels?.ignored, undefined);
  t.like((await env.request('GET', '/api/v1/namespaces/default/status')).json, { status: { phase: 'Active' } });
});

test('delete: dry run, preconditions, the deleted object, deletecollection by label', async (t) => {
  const env = await startKubeEnv(t);
  for (const n of ['d1', 'd2', 'd3']) await env.request('POST', CM_PATH, { body: cm(n, {}, { grp: n === 'd3' ? 'b' : 'a' }) });
  const dry = await env.request('DELETE', `${CM_PATH}/d1`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] } });
  t.is(dry.status, 200);
  t.truthy(env.store.get('ConfigMap', 'default', 'd1'));
  const pre = await env.request('DELETE', `${CM_PATH}/d1`, { body: { preconditions: { uid: 'not-the-uid' } } });
  t.is(pre.status, 409);
  t.truthy(env.store.get('ConfigMap', 'default', 'd1'));
  const del = await env.request('DELETE', `${CM_PATH}/d1`);
  t.like(del.json, { kind: 'ConfigMap', metadata: { name: 'd1' } });
  t.is(env.store.get('ConfigMap', 'default', 'd1'), undefined);
  const coll = await env.request('DELETE', `${CM_PATH}?labelSelector=grp%3Da`);
  t.deepEqual((coll.json.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name), ['d2']);
  t.deepEqual(env.store.list('ConfigMap').items.map((i) => i.metadata.name), ['d3']);
});

test('paging: limit and continue walk every item once; an expired continue token is 410', async (t) => {
  const env = await startKubeEnv(t);
  for (let i = 0; i < 5; i++) await env.request('POST', CM_PATH, { body: cm(`pg${i}`) });
  const names: string[] = [];
  let cont = '';
  let pages = 0;
  let first = '';
  do {
    const r = (await env.request('GET', `${CM_PATH}?limit=2${cont ? `&continue=${cont}` : ''}`)).json as {
      items: Array<{ metadata: { name: string } }>;
      metadata: { continue?: string; resourceVersion: string };
    };
    first ||= r.metadata.continue ?? '';
    names.push(...r.items.map((i) => i.metadata.name));
    cont = r.metadata.continue ?? '';
    pages++;
  } while (cont);
  t.deepEqual(names, ['pg0', 'pg1', 'pg2', 'pg3', 'pg4']);
  t.is(pages, 3);
  await env.request('PATCH', `${CM_PATH}/pg0`, { body: { data: { z: '1' } }, contentType: 'application/merge-patch+json' });
  env.store.compact(0);
  const expired = await env.request('GET', `${CM_PATH}?limit=2&continue=${first}`);
  t.is(expired.status, 410);
  t.is(expired.json.reason, 'Expired');
});

test('tables: the columns of rdd ctl get, wide ones at priority 1, metadata in each row', async (t) => {
  const env = await startKubeEnv(t);
  await env.request('POST', CM_PATH, { body: cm('t1', { a: '1', b: '2' }) });
  const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
  const r = (await env.request('GET', CM_PATH, { accept })).json as {
    kind: string;
    columnDefinitions: Array<{ name: string; priority: number }>;
    rows: Array<{ cells: string[]; object: { kind: string; metadata: { name: string } } }>;
  };
  t.is(r.kind, 'Table');
  t.deepEqual(r.columnDefinitions.map((c) => [c.name, c.priority]), [['Name', 0], ['Data', 0], ['Age', 0], ['Owner', 1]]);
  t.deepEqual(r.rows[0]!.cells.slice(0, 2), ['t1', '2']);
  t.like(r.rows[0]!.object, { kind: 'PartialObjectMetadata', metadata: { name: 't1' } });
  const plain = (await env.request('GET', CM_PATH, { accept: 'application/json' })).json;
  t.is(plain.kind, 'ConfigMapList');
});

test('watch: from a resourceVersion, with a field selector, with bookmarks; tables per event', async (t) => {
  const env = await startKubeEnv(t);
  await env.request('POST', CM_PATH, { body: cm('w1') });
  const rv = env.store.currentRevision();
  const res = await env.stream(`${CM_PATH}?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dw2`);
  t.is(res.statusCode, 200);
  await env.request('PATCH', `${CM_PATH}/w1`, { body: { data: { n: '1' } }, contentType: 'application/merge-patch+json' });
  await env.request('POST', CM_PATH, { body: cm('w2') });
  await env.request('DELETE', `${CM_PATH}/w2`);
  const events = await readEvents(res, (e) => e.length >= 2);
  t.deepEqual(events.map((e) => [e.type, (e.object.metadata as { name: string }).name]), [['ADDED', 'w2'], ['DELETED', 'w2']]);

  const initial = await env.stream(`${CM_PATH}?watch=true&allowWatchBookmarks=true`);
  const init = await readEvents(initial, (e) => e.some((x) => x.type === 'BOOKMARK'));
  t.deepEqual(init.map((e) => e.type), ['ADDED', 'BOOKMARK']);
  t.like(init[1]!.object, { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } });

  const table = await env.stream(`${CM_PATH}?watch=1`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  const tev = await readEvents(table, (e) => e.length >= 1);
  t.like(tev[0]!.object, { kind: 'Table', rows: [{ cells: ['w1', '2'] }] });
});

test('watch: a compacted resourceVersion is an ERROR event with 410 Expired, then the end', async (t) => {
  const env = await startKubeEnv(t);
  await env.request('POST', CM_PATH, { body: cm('c1') });
  const old = env.store.currentRevision();
  await env.request('PATCH', `${CM_PATH}/c1`, { body: { data: { n: '1' } }, contentType: 'application/merge-patch+json' });
  await env.request('PATCH', `${CM_PATH}/c1`, { body: { data: { n: '2' } }, contentType: 'application/merge-patch+json' });
  env.store.compact(0);
  const res = await env.stream(`${CM_PATH}?watch=1&resourceVersion=${old - 1}`);
  const events = await readEvents(res, () => false);
  t.is(events.length, 1);
  t.like(events[0], { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  t.is(env.kube.stats().watches, 0);
});

test('watch: a reader that stops reading is dropped, not buffered without bound', async (t) => {
  const env = await startKubeEnv(t, { limits: { conflateAboveBytes: 16 * 1024, closeAboveBytes: 1024 * 1024, maxPendingEvents: 20 } });
  await env.request('POST', CM_PATH, { body: cm('slow') });
  const res = await env.stream(`${CM_PATH}?watch=1`);
  res.pause();
  t.is(env.kube.stats().watches, 1);
  const big = 'x'.repeat(32 * 1024);
  let writes = 0;
  // Kernel socket buffers absorb some megabytes first; the bound is on what the daemon holds.
  while (env.kube.stats().watches > 0 && writes < 5_000) {
    env.store.patch('ConfigMap', 'default', 'slow', { data: { k: `${writes}${big}` } });
    writes++;
    await new Promise((r) => setImmediate(r));
  }
  t.is(env.kube.stats().watches, 0, `dropped after ${writes} writes`);
  const ended = await new Promise<string>((resolve) => {
    res.once('error', () => resolve('error'));
    res.once('aborted', () => resolve('aborted'));
    res.once('close', () => resolve('close'));
    res.resume();
  });
  t.truthy(ended);
});

// Random bodies, patch types and query strings against every write endpoint: each answer is a
// JSON Status (or a success), never a 5xx, and the server keeps answering.
const TYPES = ['application/json', 'application/yaml', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'text/plain'];
const TARGETS: Array<[string, string]> = [
  ['POST', CM_PATH],
  ['PUT', `${CM_PATH}/fz`],
  ['PATCH', `${CM_PATH}/fz`],
  ['PATCH', '/api/v1/namespaces/default/status'],
  ['DELETE', `${CM_PATH}/nope`],
  ['POST', '/apis/lima.rancherdesktop.io/v1alpha1/namespaces/default/limavms'],
  ['PATCH', '/apis/app.rancherdesktop.io/v1alpha1/apps/app'],
  ['GET', `${CM_PATH}`],
];

test('random requests get a Status, never a 5xx, and the server keeps serving', async (t) => {
  const env = await startKubeEnv(t);
  await env.request('POST', CM_PATH, { body: cm('fz') });
  const json = fc.jsonValue({ maxDepth: 4 });
  const body = fc.oneof(
    json.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    // Unknown top-level fields with any characters end up in Warning headers.
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), json, { maxKeys: 4 }).map((extra) => JSON.stringify({ ...extra, ...cm(`u${Object.keys(extra).length}`) })),
    fc.record({ apiVersion: fc.constantFrom('v1', 'x/y'), kind: fc.constantFrom('ConfigMap', 'LimaVM', 'Status'), metadata: fc.oneof(json, fc.record({ name: fc.string(), namespace: fc.string() })), data: json }).map((v) => JSON.stringify(v)),
    fc.array(fc.record({ op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'x'), path: fc.constantFrom('', '/', '/data', '/data/k', '/metadata/name', '/metadata/labels/a', '/-', '/data/~1'), value: json, from: fc.constantFrom('/data', '/x') })).map((v) => JSON.stringify(v)),
  );
  const query = fc.constantFrom('', '?dryRun=All', '?fieldValidation=Strict', '?dryRun=x', '?labelSelector=a%20in%20(', '?fieldSelector=metadata.name%3Dfz', '?limit=-1', '?watch=maybe', '?resourceVersion=abc');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...TARGETS), fc.constantFrom(...TYPES), body, query, async ([method, path], type, raw, q) => {
      const r = await env.request(method, `${path}${q}`, method === 'GET' ? {} : { raw, contentType: type });
      if (r.status >= 500) return false;
      if (r.status >= 400) return r.json.kind === 'Status' && r.json.code === r.status;
      return true;
    }),
    { numRuns: 300 },
  );
  t.is((await env.request('GET', `${CM_PATH}/fz`)).status, 200, 'still serving');
  t.is(env.kube.stats().watches, 0);
});
