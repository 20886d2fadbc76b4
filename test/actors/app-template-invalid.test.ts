// A template Lima rejects is never silent (issue 11, item 3): App admission renders the App's
// template and runs `limactl validate`, so the write fails at once; a rejection that only shows up
// later (Lima became stricter since the spec was admitted) is Settled=False/TemplateInvalid at the
// App's current generation. The validateFail fault knob plays the stricter Lima.
import test from 'ava';
import { findCondition, type App, type Condition } from '../../src/api/index.js';
import { startMemoryCore, type TestCore } from '../helpers/core.js';

const APP = { apiVersion: 'app.rancherdesktop.io/v1alpha1', kind: 'App' } as const;
const REJECTED = 'field `memory` is rejected (injected)';

function app(tc: TestCore): App | undefined {
  return tc.core.store.get('App', '', 'app') as App | undefined;
}

function settledAt(tc: TestCore, reason: string, timeoutMs?: number): Promise<Condition> {
  return tc.until(`Settled=${reason} at the current generation`, () => {
    const a = app(tc);
    const s = findCondition(a?.status?.conditions, 'Settled');
    return a && s?.reason === reason && s.observedGeneration === a.metadata.generation ? s : undefined;
  }, timeoutMs ?? 40_000);
}

test('App admission runs Lima on the rendered template: a rejected spec is 422 with Lima\'s message, nothing stored (dry-run too)', async (t) => {
  const tc = await startMemoryCore(t);
  tc.faults({ default: { validateFail: REJECTED } });
  for (const dryRun of [true, false]) {
    const err = await t.throwsAsync(tc.core.api.create({ ...APP, metadata: { name: 'app' }, spec: { running: false } }, { dryRun }));
    t.is((err as { code?: number }).code, 422);
    t.regex(err?.message ?? '', /Lima rejects the template for this configuration: .*field `memory` is rejected \(injected\)/);
  }
  t.falsy(app(tc));

  tc.faults({});
  await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false } });
  await settledAt(tc, 'Settled');
  const before = app(tc)!;
  tc.faults({ default: { validateFail: REJECTED } });
  for (const dryRun of [true, false]) {
    const err = await t.throwsAsync(tc.core.api.patch('App', '', 'app', { spec: { virtualMachine: { cpus: 1 } } }, { dryRun }));
    t.is((err as { code?: number }).code, 422);
    t.regex(err?.message ?? '', /field `memory` is rejected \(injected\)/);
  }
  t.is(app(tc)!.metadata.resourceVersion, before.metadata.resourceVersion, 'nothing stored');
  // A write that leaves the spec alone (labels, finalizers) never depends on Lima.
  const labelled = await tc.core.api.patch('App', '', 'app', { metadata: { labels: { x: 'y' } } });
  t.is(labelled.metadata.labels?.x, 'y');
});

test('a template Lima rejects after admission is Settled=False/TemplateInvalid at the current generation, then recovers', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create({ ...APP, metadata: { name: 'app' }, spec: { running: false } });
  await settledAt(tc, 'Settled');
  tc.faults({ default: { validateFail: REJECTED } });
  // The spec was admitted under a laxer Lima: write it past admission.
  const cur = app(tc)!;
  tc.core.store.update({ ...cur, spec: { ...cur.spec, virtualMachine: { ...cur.spec.virtualMachine, cpus: 1 } } });
  const s = await settledAt(tc, 'TemplateInvalid');
  t.is(s.status, 'False');
  t.regex(s.message, /field `memory` is rejected \(injected\)/);
  t.regex(s.message, /rdd set/);
  t.notRegex(tc.core.store.get('ConfigMap', 'default', 'rd-template')!.data!.template!, /^cpus: 1$/m, 'the rejected text was not written');

  tc.faults({});
  await settledAt(tc, 'Settled');
  t.regex(tc.core.store.get('ConfigMap', 'default', 'rd-template')!.data!.template!, /^cpus: 1$/m);
});
