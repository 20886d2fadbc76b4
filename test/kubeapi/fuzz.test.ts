// Random bodies, patch types and query strings against every write endpoint: each answer is a
// JSON Status (or a success), never a 5xx, and the server keeps answering.
import test from 'ava';
import fc from 'fast-check';
import { CM_PATH, cm, startKubeEnv } from './helpers.js';

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
