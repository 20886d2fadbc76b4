// End to end: the App commands against a real daemon and the Lima simulator.
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isApiError, ownedByFinalizer, type Resource } from '../../src/api/index.js';
import { connect } from '../../src/transport/index.js';
import { OFFLINE_TEMPLATE } from '../helpers/core.js';
import { conditionOf, offlineTemplate, rddHome } from './helpers/harness.js';

const restartCount = (vm: Resource | undefined) => (vm?.status as { restartCount?: number } | undefined)?.restartCount ?? 0;

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('App lifecycle: start settles, set restarts the VM, a guarded delete is refused, stop, delete', async (t) => {
  const h = rddHome(t);

  const start = await h.run(['start']);
  t.is(start.exitCode, 0, start.stderr);
  t.regex(start.stderr, /Starting the rdd daemon for instance "2"/);
  t.regex(start.stderr, /Lima: the bundled Lima simulator/, 'it says the simulator runs');
  t.regex(start.stderr, /Running=True: Lima instance is running \(Started\)/, 'progress shows transitions');
  t.regex(start.stdout, /^App created\nApp settled: App has reached the desired state\n$/);
  const app = await h.get('app', 'app');
  const settled = conditionOf(app, 'Settled');
  t.is(settled?.status, 'True');
  t.is(settled?.observedGeneration, app?.metadata.generation);

  const vm0 = await h.get('limavm', 'rd');
  t.is(conditionOf(vm0, 'Running')?.status, 'True');
  const set = await h.run(['set', 'virtualMachine.cpus=1']);
  t.is(set.exitCode, 0, set.stderr);
  t.regex(set.stdout, /App updated\nApp settled/);
  const vm1 = await h.get('limavm', 'rd');
  t.true(restartCount(vm1) > restartCount(vm0), 'the VM restarted for the new template');
  t.is(conditionOf(vm1, 'Running')?.status, 'True');
  t.regex(readFileSync(join(h.paths().limaHome, 'rd', 'lima.yaml'), 'utf8'), /^cpus: 1$/m);

  // Reset recreates the instance and brings it back up.
  const reset = await h.run(['reset']);
  t.is(reset.exitCode, 0, reset.stderr);
  t.regex(reset.stdout, /Reset requested for LimaVM "rd" in namespace "default"\nApp settled/);
  const vmReset = await h.get('limavm', 'rd');
  t.true(restartCount(vmReset) > restartCount(vm1));
  t.is(conditionOf(vmReset, 'Created')?.status, 'True');
  t.is(conditionOf(vmReset, 'Running')?.status, 'True');

  // Exit 3: the server's guard, dry run included; rd is left untouched.
  for (const extra of [['--dry-run'], []]) {
    const del = await h.run(['ctl', 'delete', 'limavm', 'rd', ...extra]);
    t.is(del.exitCode, 3);
    t.is(del.stderr.trim(), 'error: cannot delete "rd": owned by App; delete the App resource instead');
  }
  const vm2 = await h.get('limavm', 'rd');
  t.is(vm2?.metadata.deletionTimestamp, undefined, 'rd is not Terminating');
  t.is(vm2?.metadata.uid, vm0?.metadata.uid);

  // Exit 3: admission rejects a value; the message is the server's.
  const tooMany = await h.run(['set', 'virtualMachine.cpus=100000']);
  t.is(tooMany.exitCode, 3);
  t.regex(tooMany.stderr, /spec\.virtualMachine\.cpus 100000 exceeds the host CPU count/);

  // Exit 3 at once: admission runs Lima on the App's rendered template (issue 11, item 3). A
  // template Lima has not judged yet: the driver remembers verdicts by text.
  const genBefore = (await h.get('app', 'app'))?.metadata.generation;
  h.faults({ default: { validateFail: 'memory is rejected (injected)' } });
  const rejected = await h.run(['set', 'virtualMachine.memory=3Gi']);
  t.is(rejected.exitCode, 3, rejected.stderr);
  t.regex(rejected.stderr, /Lima rejects the template for this configuration: .*memory is rejected \(injected\)/);
  t.is((await h.get('app', 'app'))?.metadata.generation, genBefore, 'nothing stored');
  h.faults({});

  // Exit 1: not found across namespaces.
  const missing = await h.run(['limavm', 'start', 'nosuch']);
  t.is(missing.exitCode, 1);
  t.is(missing.stderr.trim(), 'error: LimaVM "nosuch" not found in any namespace');

  const stop = await h.run(['stop']);
  t.is(stop.exitCode, 0, stop.stderr);
  const vm3 = await h.get('limavm', 'rd');
  t.is(conditionOf(vm3, 'Running')?.reason, 'Stopped');
  t.false((vm3?.spec as { running: boolean }).running);

  const del = await h.run(['delete']);
  t.is(del.exitCode, 0, del.stderr);
  t.regex(del.stdout, /App deleted\n$/);
  t.is(await h.get('app', 'app'), undefined);
  t.deepEqual((await h.json<{ items: Resource[] }>(['ctl', 'get', 'limavm', '-A'])).items, []);
  const cms = (await h.json<{ items: Resource[] }>(['ctl', 'get', 'cm', '-A'])).items.map((c) => c.metadata.name);
  t.false(cms.includes('rd') || cms.includes('rd-template'), `ConfigMaps left: ${cms.join(', ')}`);
  t.deepEqual(
    h.calls().filter((l) => l.kind === 'hostagent' && l.event === 'started').length > 0,
    true,
    'a hostagent ran',
  );
  await h.shutdown(t);
});

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('stop without an App and set --dry-run create nothing', async (t) => {
  const h = rddHome(t);
  const stop = await h.run(['stop']);
  t.is(stop.exitCode, 0, stop.stderr);
  t.is(stop.stdout, 'App does not exist; nothing to stop\n');
  const dry = await h.run(['set', '--dry-run', 'running=true', 'virtualMachine.cpus=1']);
  t.is(dry.exitCode, 0, dry.stderr);
  t.regex(dry.stdout, /dry run/);
  const rejected = await h.run(['set', '--dry-run', 'virtualMachine.cpus=100000']);
  t.is(rejected.exitCode, 3, 'a dry-run create is still validated');
  const list = await h.run(['ctl', 'get', 'app']);
  t.is(list.exitCode, 0);
  t.is(list.stdout, '');
  t.is(list.stderr, 'No resources found.\n');
  t.deepEqual((await h.json<{ items: Resource[] }>(['ctl', 'get', 'limavm', '-A'])).items, []);
  const del = await h.run(['delete']);
  t.is(del.stdout, 'App does not exist; nothing to delete\n');
  await h.shutdown(t);
});

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('usage errors exit 2 and start no daemon', async (t) => {
  const h = rddHome(t);
  const cases: Array<[string[], RegExp]> = [
    [['set', 'foo=1'], /unknown property "foo"; valid properties: running, /],
    [['set', 'running'], /expected PROPERTY=VALUE format/],
    [['set', 'virtualMachine=1'], /"virtualMachine" is an object; set its fields/],
    [['set', 'running=maybe'], /expected boolean/],
    [['bogus'], /unknown command 'bogus'/],
    [['start', '--timeout', 'soon'], /expected a duration/],
    [['start', '--frobnicate'], /unknown option '--frobnicate'/],
    [['ctl', 'get', 'frobs'], /unknown resource type "frobs"/],
    [['ctl', 'get', 'vm', '-n', 'x', '-A'], /either -n\/--namespace or -A/],
    [['ctl', 'get', 'vm', '-o', 'xml'], /invalid output format "xml"/],
    [['ctl', 'wait-condition', 'app', 'Settled'], /expected KIND\/NAME/],
    [['limavm', 'params', 'x', '9bad=1'], /invalid parameter name "9bad"/],
    [['service', 'paths', 'nope'], /unknown path key "nope"/],
  ];
  for (const [args, re] of cases) {
    const r = await h.run(args);
    t.is(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, re, args.join(' '));
  }
  const badInstance = await h.run(['service', 'status'], { instance: 'bad name!' });
  t.is(badInstance.exitCode, 2);
  t.regex(badInstance.stderr, /invalid instance name/);
  const help = await h.run(['set', '--help']);
  t.is(help.exitCode, 0);
  t.regex(help.stdout, /Available properties:\n\s+running\s+\(boolean\)/);
  const version = await h.run(['--version']);
  t.is(version.exitCode, 0);
  t.regex(version.stdout, /^\d+\.\d+\.\d+\n$/);
  t.deepEqual(h.processes(), [], 'no daemon was started');
  t.is(h.daemonPid(), undefined);
});

// The daemon serves clients through the client Api: a gateway client cannot add or remove an
// owned-by finalizer, while the daemon's own actors still create their owned objects.
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

// End to end (issue 11, item 1): a user's own LimaVM `rd` survives `rdd start`, `rdd reset` and
// `rdd delete`; the App reports the conflict and the commands fail at once instead of waiting.
// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('a foreign LimaVM rd: start fails fast with NameConflict, reset refuses, delete leaves it and its instance', async (t) => {
  const h = rddHome(t);
  writeFileSync(join(h.home, 't.yaml'), offlineTemplate());
  const create = await h.run(['limavm', 'create', 'rd', 't.yaml']);
  t.is(create.exitCode, 0, create.stderr);
  const before = await h.get('limavm', 'rd');

  const start = await h.run(['start', '--timeout', '100s']);
  t.is(start.exitCode, 1, start.stderr);
  t.regex(start.stderr, /LimaVM default\/rd already exists and is not controlled by this App.*\(NameConflict\)/);
  const app = await h.get('app', 'app');
  t.like(conditionOf(app, 'Settled'), { status: 'False', reason: 'NameConflict', observedGeneration: app?.metadata.generation });

  const reset = await h.run(['reset']);
  t.is(reset.exitCode, 1);
  t.regex(reset.stderr, /not controlled by the App; not resetting it/);

  const del = await h.run(['delete']);
  t.is(del.exitCode, 0, del.stderr);
  const after = await h.get('limavm', 'rd');
  t.is(after?.metadata.uid, before?.metadata.uid);
  t.is(after?.metadata.deletionTimestamp, undefined);
  t.deepEqual(after?.metadata.finalizers, before?.metadata.finalizers);
  t.false((after?.spec as { running?: boolean }).running);
  t.true(existsSync(join(h.paths().limaHome, 'rd', 'lima.yaml')), 'the Lima instance is still on disk');
});
