// A client nobody here wrote: @kubernetes/client-node lists, watches with resume, patches status
// and gets 410 Expired after compaction, against the in-process Kubernetes API.
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { createVM } from '../transport/helpers.js';
import { cm, CM_PATH, startKubeEnv, type KubeEnv } from './helpers.js';

const LIMA = { group: 'lima.rancherdesktop.io', version: 'v1alpha1', plural: 'limavms' };

function config(env: KubeEnv): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(env.kubeconfig);
  return kc;
}

interface Seen {
  readonly type: string;
  readonly name: string;
  readonly rv: string;
  readonly code?: number;
}

/** Runs a client-node watch until `enough` holds; returns what it delivered and how it ended. */
async function watchUntil(kc: k8s.KubeConfig, path: string, query: Record<string, string | boolean>, act: () => Promise<void>, enough: (s: Seen[]) => boolean): Promise<{ seen: Seen[]; ended: boolean }> {
  const seen: Seen[] = [];
  let ended = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const ctl = await new k8s.Watch(kc).watch(
    path,
    query,
    (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
      seen.push({ type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '', ...(obj.code !== undefined ? { code: obj.code } : {}) });
      if (enough(seen)) resolveDone();
    },
    () => {
      ended = true;
      resolveDone();
    },
  );
  await act();
  await done;
  ctl.abort();
  return { seen, ended };
}

test('client-node lists built-in and custom resources', async (t) => {
  const env = await startKubeEnv(t);
  await env.request('POST', CM_PATH, { body: cm('one') });
  await createVM(env.api, 'vm1');
  const kc = config(env);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const cms = await core.listNamespacedConfigMap({ namespace: 'default' });
  t.deepEqual(cms.items.map((i) => i.metadata?.name).sort(), ['one', 'tpl', 'vm1-template']);
  t.is(cms.metadata?.resourceVersion, String(env.store.currentRevision()));
  const ns = await core.readNamespace({ name: 'default' });
  t.is(ns.metadata?.name, 'default');
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const vms = (await custom.listNamespacedCustomObject({ ...LIMA, namespace: 'default' })) as { items: Array<{ metadata: { name: string } }> };
  t.deepEqual(vms.items.map((i) => i.metadata.name), ['vm1']);
  const missing = await core.readNamespacedConfigMap({ name: 'nope', namespace: 'default' }).catch((e: unknown) => e);
  t.is((missing as { code?: number }).code, 404);
});

test('client-node watches, and resumes from the last resourceVersion it saw without repeats', async (t) => {
  const env = await startKubeEnv(t);
  const kc = config(env);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNamespacedConfigMap({ namespace: 'default' });
  const first = await watchUntil(
    kc,
    CM_PATH,
    { resourceVersion: list.metadata!.resourceVersion!, allowWatchBookmarks: true },
    async () => {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w' }, data: { n: '0' } } });
    },
    (s) => s.some((e) => e.type === 'ADDED'),
  );
  // The bookmark after the (empty) replay carries a resume point too; the event is what matters here.
  const added = first.seen.filter((e) => e.type !== 'BOOKMARK');
  t.deepEqual(added.map((e) => [e.type, e.name]), [['ADDED', 'w']]);
  const resumeAt = added[0]!.rv;
  // Changes while no one watches.
  for (const n of ['1', '2']) env.store.patch('ConfigMap', 'default', 'w', { data: { n } });
  const second = await watchUntil(kc, CM_PATH, { resourceVersion: resumeAt }, () => Promise.resolve(), (s) => s.length >= 2);
  t.deepEqual(second.seen.map((e) => e.type), ['MODIFIED', 'MODIFIED']);
  t.true(Number(second.seen[0]!.rv) > Number(resumeAt) && Number(second.seen[1]!.rv) > Number(second.seen[0]!.rv));
});

test('client-node patches status (JSON patch and merge patch); spec in a status patch is ignored', async (t) => {
  const env = await startKubeEnv(t);
  await createVM(env.api, 'vm2');
  const custom = config(env).makeApiClient(k8s.CustomObjectsApi);
  const target = { ...LIMA, namespace: 'default', name: 'vm2' };
  const viaJsonPatch = (await custom.patchNamespacedCustomObjectStatus({
    ...target,
    body: [{ op: 'add', path: '/status', value: { restartCount: 3 } }],
  })) as { status: { restartCount: number } };
  t.is(viaJsonPatch.status.restartCount, 3);
  await custom.patchNamespacedCustomObjectStatus(
    { ...target, body: { spec: { running: true }, status: { restartCount: 4 } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  const stored = env.store.get('LimaVM', 'default', 'vm2')!;
  t.is((stored.status as { restartCount: number }).restartCount, 4);
  t.is((stored.spec as { running: boolean }).running, false, 'the status endpoint does not write spec');
});

test('client-node gets 410 Expired when it watches from a compacted resourceVersion', async (t) => {
  const env = await startKubeEnv(t);
  await env.request('POST', CM_PATH, { body: cm('old') });
  const old = String(env.store.currentRevision());
  for (const n of ['1', '2', '3']) env.store.patch('ConfigMap', 'default', 'old', { data: { n } });
  env.store.compact(0);
  const r = await watchUntil(config(env), CM_PATH, { resourceVersion: old }, () => Promise.resolve(), (s) => s.some((e) => e.type === 'ERROR'));
  t.deepEqual(r.seen.map((e) => [e.type, e.code]), [['ERROR', 410]]);
  // A fresh list is the way back, as a reflector does.
  const list = await config(env).makeApiClient(k8s.CoreV1Api).listNamespacedConfigMap({ namespace: 'default' });
  t.is(list.items[0]?.data?.n, '3');
});
