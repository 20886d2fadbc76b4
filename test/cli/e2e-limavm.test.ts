// End to end: `rdd limavm …` and `rdd ctl apply/get -w` against a real daemon and the simulator.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '../../src/api/index.js';
import { conditionOf, offlineTemplate, rddHome, until } from './helpers/harness.js';

/** Lima requires every param to be used somewhere, so the template uses FOO and BAR. */
const PARAMS = 'param:\n  FOO: a\n  BAR: b\nprovision:\n- mode: system\n  script: echo {{.Param.FOO}} {{.Param.BAR}}\n';

const statusOf = (o: Resource | undefined) => (o?.status ?? {}) as { restartCount?: number };
const specOf = (o: Resource | undefined) => (o?.spec ?? {}) as { running?: boolean; params?: Record<string, string> };

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('LimaVM lifecycle: create from a file, logs, shell, stop, start, restart, params, reset, delete', async (t) => {
  const h = rddHome(t);
  writeFileSync(join(h.home, 'dev.yaml'), offlineTemplate(PARAMS));
  const create = await h.run(['limavm', 'create', 'dev', 'dev.yaml', '--start', '--param', 'FOO=bar']);
  t.is(create.exitCode, 0, create.stderr);
  t.regex(create.stdout, /^LimaVM "dev" created in namespace "default" with template ConfigMap "dev"\nLimaVM "dev" is running\n$/);
  const vm = await h.get('limavm', 'dev');
  t.is(conditionOf(vm, 'Running')?.status, 'True');
  t.deepEqual(specOf(vm).params, { FOO: 'bar' });
  const cm = await h.get('cm', 'dev');
  t.deepEqual(cm?.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['LimaVM', 'dev', vm?.metadata.uid, true]]);

  const table = await h.run(['ctl', 'get', 'vm', '-A']);
  t.regex(table.stdout, /^NAMESPACE\s+NAME\s+RUNNING\s+CREATED\s+STATUS\s+RESTARTS\s+AGE\ndefault\s+dev\s+true\s+True\s+Started\s+1\s+\d+s\n$/);

  const errLog = await h.run(['limavm', 'logs', 'dev']);
  t.is(errLog.exitCode, 0, errLog.stderr);
  t.true(errLog.stdout.length > 0);
  const events = await h.run(['limavm', 'logs', 'dev', '--stdout']);
  t.regex(events.stdout, /"running"\s*:\s*true/, 'the hostagent event stream reports running');

  const echo = await h.run(['limavm', 'shell', 'dev', 'echo', 'hello', '--from-the-vm']);
  t.is(echo.exitCode, 0, echo.stderr);
  t.is(echo.stdout, 'hello --from-the-vm\n');
  const status7 = await h.run(['limavm', 'shell', 'dev', 'sh', '-c', 'exit 7']);
  t.is(status7.exitCode, 7, 'the command\'s exit status is passed through');
  t.is(status7.stderr, '');

  const stop = await h.run(['limavm', 'stop', 'dev']);
  t.is(stop.exitCode, 0, stop.stderr);
  t.regex(stop.stdout, /LimaVM "dev" is stopped\n$/);
  t.is(conditionOf(await h.get('limavm', 'dev'), 'Running')?.reason, 'Stopped');
  const noShell = await h.run(['limavm', 'shell', 'dev', 'true']);
  t.is(noShell.exitCode, 1);
  t.is(noShell.stderr, `error: instance "dev" is not running (status: Stopped), use 'rdd limavm start dev' first\n`);

  const start = await h.run(['limavm', 'start', 'dev']);
  t.is(start.exitCode, 0, start.stderr);
  const before = statusOf(await h.get('limavm', 'dev')).restartCount ?? 0;
  const restart = await h.run(['limavm', 'restart', 'dev']);
  t.is(restart.exitCode, 0, restart.stderr);
  t.regex(restart.stdout, new RegExp(`restarted \\(restart count ${before + 1}\\)`));

  const params = await h.run(['limavm', 'params', 'dev', 'FOO=', 'BAR=1']);
  t.is(params.exitCode, 0, params.stderr);
  t.regex(params.stdout, /params updated: BAR=1\n$/);
  t.deepEqual(specOf(await h.get('limavm', 'dev')).params, { BAR: '1' });

  const reset = await h.run(['limavm', 'reset', 'dev']);
  t.is(reset.exitCode, 0, reset.stderr);
  t.regex(reset.stdout, /LimaVM "dev" was reset\n$/);
  const afterReset = await h.get('limavm', 'dev');
  t.is(conditionOf(afterReset, 'Created')?.status, 'True');
  t.is(conditionOf(afterReset, 'Running')?.status, 'True');
  t.is(afterReset?.metadata.annotations?.['lima.rancherdesktop.io/resetRequested'], undefined);

  const del = await h.run(['limavm', 'delete', 'dev', '--grace-period', '5']);
  t.is(del.exitCode, 0, del.stderr);
  t.is(del.stdout, 'LimaVM "dev" deleted from namespace "default"\n');
  t.is(await h.get('limavm', 'dev'), undefined);
  t.is(await h.get('cm', 'dev'), undefined, 'the ConfigMap made from the file went with its VM');
  t.is(await h.get('cm', 'dev-template'), undefined);
  const gone = await h.run(['limavm', 'stop', 'dev']);
  t.is(gone.exitCode, 1);
  t.is(gone.stderr, 'error: LimaVM "dev" not found in any namespace\n');
  await h.shutdown(t);
});

// Serial: each test runs a real daemon with simulated VMs; one at a time per file keeps boots within their timeouts on 2 cores.
test.serial('apply, get -w, a rejected create cleans up its ConfigMap, ctl delete', async (t) => {
  const h = rddHome(t);
  const cm = (text: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tmpl\n  labels: {team: a}\ndata:\n  template: |\n${text.replace(/^/gm, '    ')}\n`;
  const a1 = await h.run(['ctl', 'apply', '-f', '-'], { input: cm(offlineTemplate(PARAMS)) });
  t.is(a1.exitCode, 0, a1.stderr);
  t.is(a1.stdout, 'configmap/tmpl created\n');
  t.is((await h.run(['ctl', 'apply', '-f', '-'], { input: cm(offlineTemplate(PARAMS)) })).stdout, 'configmap/tmpl unchanged\n');
  writeFileSync(join(h.home, 'tmpl.yaml'), cm(offlineTemplate(`${PARAMS}# edited\n`)));
  t.is((await h.run(['ctl', 'apply', '-f', 'tmpl.yaml'])).stdout, 'configmap/tmpl configured\n');

  // A ConfigMap name (the file tmpl.yaml exists, but "tmpl" is a name and no such file).
  const create = await h.run(['limavm', 'create', 'vm2', 'tmpl', '--no-wait']);
  t.is(create.exitCode, 0, create.stderr);
  t.regex(create.stdout, /with template ConfigMap "tmpl"/);

  const watch = h.spawn(['ctl', 'get', 'limavm', 'vm2', '-w', '-o', 'json']);
  const lines: string[] = [];
  let buf = '';
  watch.stdout?.on('data', (d: Buffer) => {
    buf += String(d);
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  await until('the initial watch line', () => (lines.length > 0 ? true : undefined));
  t.is((JSON.parse(lines[0]!) as { type: string }).type, 'ADDED');
  t.is((await h.run(['limavm', 'params', 'vm2', 'FOO=1'])).exitCode, 0);
  const modified = await until('a MODIFIED event with the new params', () =>
    lines
      .map((l) => JSON.parse(l) as { type: string; object: Resource })
      .find((e) => e.type === 'MODIFIED' && specOf(e.object).params?.FOO === '1'),
  );
  t.truthy(modified);
  watch.kill('SIGINT');
  await watch;

  // The admission rejects a bad template: exit 3, and the ConfigMap made from the file is removed.
  writeFileSync(join(h.home, 'bad.yaml'), offlineTemplate('arch: cray-1\n'));
  const bad = await h.run(['limavm', 'create', 'bad', './bad.yaml']);
  t.is(bad.exitCode, 3, bad.stderr);
  t.regex(bad.stderr, /Cleaning up created ConfigMap "bad"/);
  t.is(await h.get('cm', 'bad'), undefined);
  // A dry run creates nothing either.
  writeFileSync(join(h.home, 'ok.yaml'), offlineTemplate());
  const dry = await h.run(['limavm', 'create', 'ok', 'ok.yaml', '--dry-run']);
  t.is(dry.exitCode, 0, dry.stderr);
  t.is(await h.get('cm', 'ok'), undefined);
  t.is(await h.get('limavm', 'ok'), undefined);

  const del = await h.run(['ctl', 'delete', 'limavm', 'vm2']);
  t.is(del.exitCode, 0, del.stderr);
  t.is(del.stdout, 'limavm "vm2" deleted\n');
  t.truthy(await h.get('cm', 'tmpl'), 'a ConfigMap the user made is not owned by the VM');
  await h.shutdown(t);
});
