// LimaVM restarts, resets, template and params changes (issue 5).
import test from 'ava';
import { is, limaVM, startMemoryCore, templateConfigMap, OFFLINE_TEMPLATE, type TestCore } from '../helpers/core.js';

const RESTART = 'lima.rancherdesktop.io/restartRequested';

async function running(tc: TestCore, name = 'vm1') {
  await tc.create(templateConfigMap('src', OFFLINE_TEMPLATE.replace('images:', 'param:\n  GREETING: hello\nprovision:\n  - mode: system\n    script: "echo {{.Param.GREETING}}"\nimages:')));
  await tc.create(limaVM(name, { running: true }));
  await tc.until('Started', () => is(tc.cond('LimaVM', name, 'Running'), 'True', 'Started'));
}

const starts = (tc: TestCore) => tc.calls().filter((l) => l.kind === 'call' && l.cmd === 'start').length;

test('restart annotation while running: stop for restart, start again, restartCount+1, annotation removed', async (t) => {
  const tc = await startMemoryCore(t);
  await running(tc);
  const pid = tc.hostagentPid('vm1');
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { metadata: { annotations: { [RESTART]: '2026-01-01T00:00:00Z' } } });
  await tc.until('restartCount 2', () => tc.vm('vm1')?.status?.restartCount === 2 && is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'));
  const vm = tc.vm('vm1')!;
  t.is(vm.metadata.annotations?.[RESTART], undefined);
  t.falsy(vm.status?.restartNeeded);
  t.not(tc.hostagentPid('vm1'), pid);
  t.deepEqual(tc.calls().filter((l) => l.kind === 'kill'), []);
});

test('restart annotation while stopped: the VM stays stopped', async (t) => {
  const tc = await startMemoryCore(t);
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: false }));
  await tc.until('Stopped', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'False', 'Stopped'));
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { metadata: { annotations: { [RESTART]: 'x' } } });
  await tc.until('annotation consumed', () => tc.vm('vm1')?.metadata.annotations?.[RESTART] === undefined && !tc.vm('vm1')?.status?.restartNeeded);
  t.true(is(tc.cond('LimaVM', 'vm1', 'Running'), 'False', 'Stopped'));
  t.is(starts(tc), 0);
});

test('restart annotation while starting: the boot finishes, then the VM restarts once', async (t) => {
  const tc = await startMemoryCore(t, { faults: { default: { bootDelayMs: 1500 } } });
  await tc.create(templateConfigMap('src'));
  await tc.create(limaVM('vm1', { running: true }));
  // The calls log writes a `start` line when the call ends; the hostagent line appears at launch.
  await tc.until('booting', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'False', 'Starting') &&
    tc.calls().some((l) => l.kind === 'hostagent' && l.event === 'started'));
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { metadata: { annotations: { [RESTART]: 'x' } } });
  await tc.until('restartCount 2', () => tc.vm('vm1')?.status?.restartCount === 2 && is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'), 40_000);
  t.is(starts(tc), 2);
});

test('reset: the instance is deleted and recreated from the template, then started again', async (t) => {
  const tc = await startMemoryCore(t);
  await running(tc);
  const before = tc.inspect('vm1').owner;
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { metadata: { annotations: { 'lima.rancherdesktop.io/resetRequested': 'x' } } });
  await tc.until('recreated and started', () => {
    const deletes = tc.calls().filter((l) => l.kind === 'call' && l.cmd === 'delete').length;
    return deletes === 1 && tc.vm('vm1')?.status?.restartCount === 2 && is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started');
  }, 40_000);
  t.is(tc.calls().filter((l) => l.kind === 'call' && l.cmd === 'create').length, 2);
  t.is(tc.inspect('vm1').owner, before);
  t.is(tc.inspect('vm1').status, 'Running', 'the recreated instance has its image and boots');
  t.falsy(tc.vm('vm1')?.status?.resetNeeded);
});

test('template edit while running: lima.yaml rewritten, VM restarted, OTRV recorded', async (t) => {
  const tc = await startMemoryCore(t);
  await running(tc);
  const cm = tc.core.store.get('ConfigMap', 'default', 'vm1-template')!;
  const next = `${cm.data!.template}cpus: 2\n`;
  await tc.core.api.patch('ConfigMap', 'default', 'vm1-template', { data: { template: next } });
  const rv = tc.core.store.get('ConfigMap', 'default', 'vm1-template')!.metadata.resourceVersion;
  await tc.until('restarted on the new template', () =>
    tc.vm('vm1')?.status?.observedTemplateResourceVersion === rv && tc.vm('vm1')?.status?.restartCount === 2 &&
    is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'), 40_000);
  t.is(tc.inspect('vm1').limaYaml, next);
});

test('an invalid template edit is rejected and changes nothing', async (t) => {
  const tc = await startMemoryCore(t);
  await running(tc);
  const err = await t.throwsAsync(tc.core.api.patch('ConfigMap', 'default', 'vm1-template', { data: { template: 'images: []\n' } }));
  t.regex(err?.message ?? '', /failed to validate template/);
  t.is(tc.vm('vm1')?.status?.restartCount, 1);
});

test('params change while running restarts the VM on the new params; while stopped it stays stopped', async (t) => {
  const tc = await startMemoryCore(t);
  await running(tc);
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { spec: { params: { GREETING: 'bonjour' } } });
  await tc.until('restarted', () => tc.vm('vm1')?.status?.restartCount === 2 && is(tc.cond('LimaVM', 'vm1', 'Running'), 'True', 'Started'), 40_000);
  t.regex(tc.inspect('vm1').limaYaml ?? '', /GREETING: bonjour/);
  // An unknown param is refused by Lima's validation, at admission.
  const err = await t.throwsAsync(tc.core.api.patch('LimaVM', 'default', 'vm1', { spec: { params: { NOPE: 'x' } } }));
  t.regex(err?.message ?? '', /not used/);

  await tc.core.api.patch('LimaVM', 'default', 'vm1', { spec: { running: false } });
  await tc.until('Stopped', () => is(tc.cond('LimaVM', 'vm1', 'Running'), 'False', 'Stopped'));
  const startsBefore = starts(tc);
  await tc.core.api.patch('LimaVM', 'default', 'vm1', { spec: { params: { GREETING: 'hola' } } });
  const rv = tc.core.store.get('ConfigMap', 'default', 'vm1-template')!.metadata.resourceVersion;
  await tc.until('recorded while stopped', () => tc.vm('vm1')?.status?.observedTemplateResourceVersion === rv);
  t.regex(tc.inspect('vm1').limaYaml ?? '', /GREETING: hola/);
  t.true(is(tc.cond('LimaVM', 'vm1', 'Running'), 'False', 'Stopped'));
  t.is(starts(tc), startsBefore);
});
