// The limactl CLI contract without booting: global flags and the stderr protocol, create, list,
// validate, delete, stop/shell/edit of stopped instances (lima.md §1, §2.1, §2.3-§2.8).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contract, quoted, registerLeakCheck, simOnly } from './contract.js';
import { offlineTemplate } from '../helpers/sim.js';

registerLeakCheck();

contract('--version prints "limactl version X" on stdout and exits 0', async (t, h) => {
  const r = await h.run(['--version']);
  t.is(r.exitCode, 0);
  t.regex(r.stdout, /^limactl version \d+\.\d+\.\d+/);
  if (h.isSim) t.is(r.stdout.trim(), 'limactl version 2.2.0-sim');
});

simOnly('versionString overrides --version and older versions quote names with double quotes', async (t, h) => {
  h.setFaults({ versionString: '1.0.6' });
  t.is((await h.run(['--version'])).stdout.trim(), 'limactl version 1.0.6');
  const r = await h.run(['delete', 'ghost']);
  t.is(r.exitCode, 0);
  t.true(r.logs.some((l) => l.level === 'warning' && l.msg === 'Ignoring non-existent instance "ghost"'));
});

contract('text log format: logrus lines, and a failure is exactly one fatal line with exit 1', async (t, h) => {
  const r = await h.run(['stop', 'nosuch'], { globals: ['--tty=false'] });
  t.is(r.exitCode, 1);
  const fatal = r.stderr.split('\n').filter((l) => / level=fatal /.test(l));
  t.is(fatal.length, 1);
  t.regex(fatal[0] ?? '', /^time="[^"]+" level=fatal msg=".+"$/);
  if (h.isSim) t.true((fatal[0] ?? '').includes(`open ${h.dir('nosuch')}/lima.yaml: no such file or directory`));
});

contract('json log format: one JSON object per stderr line with level, msg and time', async (t, h) => {
  const r = await h.run(['list']);
  t.is(r.exitCode, 0);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  t.true(lines.length > 0);
  for (const l of lines) {
    const o = JSON.parse(l) as Record<string, unknown>;
    t.is(typeof o.level, 'string');
    t.is(typeof o.msg, 'string');
    t.regex(String(o.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  }
});

contract('an unknown flag is fatal', async (t, h) => {
  const r = await h.run(['list', '--bogus']);
  t.is(r.exitCode, 1);
  t.regex(r.fatal ?? '', /unknown flag: --bogus/);
});

contract('create from stdin writes lima.yaml (the template text), lima-version, cloud-config.yaml and disk', async (t, h) => {
  const tmpl = offlineTemplate();
  const r = await h.run(['create', '--name', 'vm1', '-'], { input: tmpl });
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, '');
  t.true(r.logs.some((l) => l.level === 'info' && l.msg === 'Run `limactl start vm1` to start the instance.'));
  t.is(readFileSync(h.file('vm1', 'lima.yaml'), 'utf8'), tmpl);
  for (const f of ['lima-version', 'cloud-config.yaml', 'disk']) t.true(existsSync(h.file('vm1', f)), f);
  t.is(statSync(h.dir('vm1')).mode & 0o777, 0o700);
  if (h.isSim) {
    const call = h.callLines('create')[0];
    t.is(call?.instance, 'vm1');
    t.is(call?.stdinBytes, Buffer.byteLength(tmpl));
    t.is(call?.exitCode, 0);
    t.deepEqual(call?.argv, ['--log-format=json', '--tty=false', 'create', '--name', 'vm1', '-']);
  }
});

contract('create from a file names the instance after the file', async (t, h) => {
  const file = join(h.home, '..', `${h.home.split('/').pop() ?? 'x'}-tmpl.yaml`);
  writeFileSync(file, offlineTemplate());
  const r = await h.run(['create', file]);
  t.is(r.exitCode, 0, r.stderr);
  t.true(existsSync(h.file(`${h.home.split('/').pop() ?? 'x'}-tmpl`, 'lima.yaml')));
});

contract('create - without --name is refused', async (t, h) => {
  const r = await h.run(['create', '-'], { input: offlineTemplate() });
  t.is(r.exitCode, 1);
  t.is(r.fatal, 'must pass instance name with --name when reading template from stdin');
});

contract('create rejects names that are not Lima identifiers and creates nothing', async (t, h) => {
  for (const name of ['a--b', '_x', 'vm.yaml']) {
    const r = await h.run(['create', '--name', name, '-'], { input: offlineTemplate() });
    t.is(r.exitCode, 1, name);
    t.regex(r.fatal ?? '', /instance name .* (is not a valid identifier|must not end with \.yml or \.yaml)/, name);
    t.false(existsSync(h.dir(name)), name);
  }
});

contract('create of an existing instance fails with "already exists"', async (t, h) => {
  t.is((await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate() })).exitCode, 0);
  const r = await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate() });
  t.is(r.exitCode, 1);
  t.regex(r.fatal ?? '', new RegExp(`^instance ${quoted('vm1')} already exists`));
});

contract('create validates the template before writing anything', async (t, h) => {
  const cases: [string, RegExp][] = [
    ['cpus: 1\n', /field `images` must be set/],
    ['images: [{location: /etc/profile}]\ncpus: 0\n', /field `cpus` must be set/],
    ['images: [{location: /etc/profile}]\nmemory: lots\n', /field `memory` has an invalid value/],
    ['images: [{location: /etc/profile}\n', /yaml|YAML/],
  ];
  for (const [i, [tmpl, re]] of cases.entries()) {
    const r = await h.run(['create', '--name', `bad${i}`, '-'], { input: tmpl });
    t.is(r.exitCode, 1, tmpl);
    if (h.isSim) t.regex(r.fatal ?? '', re, tmpl);
    t.false(existsSync(h.dir(`bad${i}`)), tmpl);
  }
});

contract('an unused param key is an error; {{.Param.K}} or PARAM_K counts as a use', async (t, h) => {
  const unused = await h.run(['create', '--name', 'p1', '-'], { input: offlineTemplate('param:\n  Foo: bar\n') });
  t.is(unused.exitCode, 1);
  t.regex(unused.fatal ?? '', new RegExp(`field ${quoted('param')} key ${quoted('Foo')} is not used`));
  const used = offlineTemplate('param:\n  Foo: bar\n  Baz: q\nprovision:\n- mode: system\n  script: echo {{.Param.Foo}} $PARAM_Baz\n');
  t.is((await h.run(['create', '--name', 'p2', '-'], { input: used })).exitCode, 0);
});

contract('--set and --param edit the template text before it is written', async (t, h) => {
  const tmpl = offlineTemplate('param:\n  Foo: bar\nprovision:\n- mode: system\n  script: echo {{.Param.Foo}}\n');
  const r = await h.run(['create', '--name', 'vm1', '--set', '.cpus = 3 | .memory = "3GiB"', '--param', 'Foo=baz', '-'], { input: tmpl });
  t.is(r.exitCode, 0, r.stderr);
  const [row] = await h.list('vm1');
  t.is(row?.cpus, 3);
  t.is(row?.memory, 3 * 1024 ** 3);
  t.deepEqual(row?.param, { Foo: 'baz' });
  const bad = await h.run(['create', '--name', 'vm2', '--param', 'Nope=1', '-'], { input: tmpl });
  t.is(bad.exitCode, 1);
  t.regex(bad.fatal ?? '', /template does not define param/);
});

contract('create refuses a name whose socket path would exceed UNIX_PATH_MAX', async (t, h) => {
  const name = 'a'.repeat(76);
  const r = await h.run(['create', '--name', name, '-'], { input: offlineTemplate() });
  t.is(r.exitCode, 1);
  t.regex(r.fatal ?? '', /too long: .* must be less than UNIX_PATH_MAX=\d+ characters/);
});

contract('list of an empty home prints nothing and warns', async (t, h) => {
  const r = await h.run(['list', '--json']);
  t.is(r.exitCode, 0);
  t.is(r.stdout, '');
  t.true(r.logs.some((l) => l.level === 'warning' && l.msg === 'No instance found. Run `limactl create` to create an instance.'));
});

contract('list --json prints NDJSON with the documented fields; --format json is the same; -q prints names', async (t, h) => {
  for (const n of ['vm1', 'vm2']) t.is((await h.run(['create', '--name', n, '-'], { input: offlineTemplate() })).exitCode, 0);
  const r = await h.run(['list', '--json']);
  t.is(r.exitCode, 0);
  t.true(r.stdout.endsWith('}\n'), 'one compact JSON object per line, newline-terminated');
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, 2);
  const row = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  t.like(row, { name: 'vm1', hostname: 'lima-vm1', status: 'Stopped', dir: h.dir('vm1'), cpus: 1, memory: 1024 ** 3, disk: 2 * 1024 ** 3 });
  t.like(row, { sshAddress: '127.0.0.1', protected: false, sshConfigFile: h.file('vm1', 'ssh.config') });
  t.is(typeof row.limaVersion, 'string');
  t.is(typeof row.vmType, 'string');
  t.is(typeof row.arch, 'string');
  t.is(typeof row.config, 'object');
  t.false('hostAgentPID' in row);
  t.false('driverPID' in row);
  t.false('errors' in row);
  const viaFormat = await h.run(['list', '--format', 'json']);
  t.deepEqual(viaFormat.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { name: string }).name), ['vm1', 'vm2']);
  t.is((await h.run(['list', '-q'])).stdout, 'vm1\nvm2\n');
});

contract('list of a missing name prints the others, warns, and fails with "unmatched instances"', async (t, h) => {
  t.is((await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate() })).exitCode, 0);
  const r = await h.run(['list', '--json', 'vm1', 'nosuch']);
  t.is(r.exitCode, 1);
  t.is(r.fatal, 'unmatched instances');
  t.true(r.logs.some((l) => l.level === 'warning' && l.msg === 'No instance matching nosuch found.'));
  t.is((JSON.parse(r.stdout) as { name: string }).name, 'vm1');
});

contract('list shows a directory without lima.yaml as Broken, and a corrupt lima.yaml as status ""', async (t, h) => {
  mkdirSync(h.dir('bare'));
  t.is((await h.run(['create', '--name', 'bad', '-'], { input: offlineTemplate() })).exitCode, 0);
  writeFileSync(h.file('bad', 'lima.yaml'), 'images: [ {location: "x\n  : :\n');
  const r = await h.run(['list', '--json']);
  t.is(r.exitCode, 0);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const bare = rows.find((x) => x.name === 'bare');
  const bad = rows.find((x) => x.name === 'bad');
  t.is(bare?.status, 'Broken');
  t.true(Array.isArray(bare?.errors));
  t.is(bad?.status, '');
  t.true(Array.isArray(bad?.errors) && bad.errors.length > 0);
  t.false('config' in (bad ?? {}));
  t.true(r.logs.some((l) => l.level === 'warning' && new RegExp(`^instance ${quoted('bad')} has errors$`).test(l.msg)));
});

contract('validate: OK, --fill prints the filled YAML, failures name the file', async (t, h) => {
  const dir = join(h.home, 'tmpl');
  mkdirSync(dir);
  const good = join(dir, 'vm1.yaml');
  writeFileSync(good, offlineTemplate());
  const ok = await h.run(['validate', good]);
  t.is(ok.exitCode, 0, ok.stderr);
  t.true(ok.logs.some((l) => l.level === 'info' && new RegExp(`${quoted(good)}: OK`).test(l.msg)));
  const fill = await h.run(['validate', '--fill', good]);
  t.is(fill.exitCode, 0);
  t.regex(fill.stdout, /vmType: /);
  t.regex(fill.stdout, /images:/);
  const bad = join(dir, 'vm2.yaml');
  writeFileSync(bad, 'cpus: 2\n');
  const r = await h.run(['validate', bad]);
  t.is(r.exitCode, 1);
  t.regex(r.fatal ?? '', new RegExp(`^failed to validate YAML file ${quoted(bad)}: `));
  const badName = join(dir, 'a--b.yaml');
  writeFileSync(badName, offlineTemplate());
  const n = await h.run(['validate', badName]);
  t.is(n.exitCode, 1);
  t.regex(n.fatal ?? '', /filename .* is invalid/);
  const stdin = await h.run(['validate', '-'], { input: offlineTemplate() });
  t.is(stdin.exitCode, 1);
  t.regex(stdin.fatal ?? '', /can't determine instance name from template locator/);
});

simOnly('validateFail and validateDelayMs', async (t, h) => {
  const file = join(h.home, 'vm1.yaml');
  writeFileSync(file, offlineTemplate());
  h.faults({ instances: { vm1: { validateFail: 'field `images[0].location` is broken', validateDelayMs: 300 } } });
  const r = await h.run(['validate', file]);
  t.is(r.exitCode, 1);
  t.is(r.fatal, `failed to validate YAML file \`${file}\`: field \`images[0].location\` is broken`);
  const call = h.callLines('validate')[0];
  t.truthy(call);
  t.true((call?.end ?? 0) - (call?.start ?? 0) >= 300);
});

contract('delete: a missing instance is ignored with a warning and exit 0; a stopped one is removed', async (t, h) => {
  const r = await h.run(['delete', 'ghost']);
  t.is(r.exitCode, 0);
  t.true(r.logs.some((l) => l.level === 'warning' && new RegExp(`^Ignoring non-existent instance ${quoted('ghost')}$`).test(l.msg)));
  t.is((await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate() })).exitCode, 0);
  const d = await h.run(['delete', 'vm1']);
  t.is(d.exitCode, 0, d.stderr);
  t.false(existsSync(h.dir('vm1')));
  t.true(d.logs.some((l) => new RegExp(`^Deleted ${quoted('vm1')} \\(${quoted(h.dir('vm1'))}\\)$`).test(l.msg)));
});

contract('commands refuse names that are not identifiers, so nothing outside LIMA_HOME is touched', async (t, h) => {
  const outside = join(h.home, '..', `${h.home.split('/').pop() ?? 'x'}-outside`);
  mkdirSync(outside);
  writeFileSync(join(outside, 'lima.yaml'), offlineTemplate());
  const rel = `../${outside.split('/').pop() ?? ''}`;
  for (const args of [['delete', '-f', rel], ['stop', '-f', rel], ['edit', '--set', '.cpus = 2', rel]]) {
    const r = await h.run(args);
    t.is(r.exitCode, 1, args.join(' '));
    t.regex(r.fatal ?? '', /is not a valid identifier/, args.join(' '));
  }
  t.is(readFileSync(join(outside, 'lima.yaml'), 'utf8'), offlineTemplate());
});

contract('delete refuses a protected instance and a directory whose lima.yaml is unreadable', async (t, h) => {
  t.is((await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate() })).exitCode, 0);
  writeFileSync(h.file('vm1', 'protected'), '');
  const p = await h.run(['delete', '-f', 'vm1']);
  t.is(p.exitCode, 1);
  t.regex(p.fatal ?? '', /instance is protected to prohibit accidental removal/);
  mkdirSync(h.dir('bare'));
  const b = await h.run(['delete', 'bare']);
  t.is(b.exitCode, 1);
  t.regex(b.fatal ?? '', /could not be read; it was NOT deleted/);
  t.true(existsSync(h.dir('bare')));
});

contract('stop of a stopped instance fails with "expected status Running, got Stopped"; stop -f succeeds', async (t, h) => {
  t.is((await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate() })).exitCode, 0);
  const r = await h.run(['stop', 'vm1']);
  t.is(r.exitCode, 1);
  t.regex(r.fatal ?? '', new RegExp(`^expected status ${quoted('Running')}, got ${quoted('Stopped')} \\(maybe use \`limactl stop -f\`\\?\\)$`));
  t.is((await h.run(['stop', '-f', 'vm1'])).exitCode, 0);
  const missing = await h.run(['stop', 'nosuch']);
  t.is(missing.exitCode, 1);
  t.regex(missing.fatal ?? '', /lima\.yaml: no such file or directory/);
});

contract('shell refuses a missing and a stopped instance', async (t, h) => {
  const m = await h.run(['shell', 'nosuch', 'true']);
  t.is(m.exitCode, 1);
  t.regex(m.fatal ?? '', new RegExp(`^instance ${quoted('nosuch')} does not exist, run \`limactl create nosuch\``));
  t.is((await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate() })).exitCode, 0);
  const s = await h.run(['shell', 'vm1', 'true']);
  t.is(s.exitCode, 1);
  t.regex(s.fatal ?? '', new RegExp(`^instance ${quoted('vm1')} is stopped, run \`limactl start vm1\``));
});

contract('edit --set changes a stopped instance; no change aborts; disk shrink is refused', async (t, h) => {
  const missing = await h.run(['edit', '--set', '.cpus = 2', 'nosuch']);
  t.is(missing.exitCode, 1);
  t.regex(missing.fatal ?? '', new RegExp(`instance ${quoted('nosuch')} not found`));
  t.is((await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate() })).exitCode, 0);
  const e = await h.run(['edit', '--set', '.cpus = 2', 'vm1']);
  t.is(e.exitCode, 0, e.stderr);
  t.true(e.logs.some((l) => new RegExp(`^Instance ${quoted('vm1')} configuration edited$`).test(l.msg)));
  t.is((await h.list('vm1'))[0]?.cpus, 2);
  const same = await h.run(['edit', '--set', '.cpus = 2', 'vm1']);
  t.is(same.exitCode, 0);
  t.true(same.logs.some((l) => l.msg === 'Aborting, no changes made to the instance'));
  const shrink = await h.run(['edit', '--set', '.disk = "1GiB"', 'vm1']);
  t.is(shrink.exitCode, 1);
  t.regex(shrink.fatal ?? '', /shrinking the disk \(2GiB --> 1GiB\) is not supported/);
});

simOnly('root: true refuses every command except --version', async (t, h) => {
  h.setFaults({ root: true });
  const r = await h.run(['list']);
  t.is(r.exitCode, 1);
  t.is(r.fatal, 'limactl: must not run as the root user');
  t.is((await h.run(['--version'])).exitCode, 0);
});

simOnly('knob sources: LIMA_SIM_FAULTS, then the default section, then the instance section', async (t, h) => {
  const env = { LIMA_SIM_FAULTS: JSON.stringify({ listFail: true, createFail: 'exists' }) };
  t.is((await h.run(['list'], { env })).exitCode, 1);
  h.faults({ default: { listFail: false }, instances: { vm2: { createFail: 'invalid' } } });
  t.is((await h.run(['list'], { env })).exitCode, 0);
  const vm1 = await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate(), env });
  t.regex(vm1.fatal ?? '', /^instance `vm1` already exists$/);
  const vm2 = await h.run(['create', '--name', 'vm2', '-'], { input: offlineTemplate(), env });
  t.regex(vm2.fatal ?? '', /createFail=invalid/);
  t.false(existsSync(h.dir('vm2')));
});

simOnly('createFail=download leaves a diskless instance that list shows as Stopped', async (t, h) => {
  h.setFaults({ createFail: 'download' });
  const r = await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate() });
  t.is(r.exitCode, 1);
  t.regex(r.fatal ?? '', /^failed to download the image/);
  t.true(existsSync(h.file('vm1', 'lima.yaml')));
  t.false(existsSync(h.file('vm1', 'disk')));
  t.is(await h.status('vm1'), 'Stopped');
});

simOnly('createDelayMs delays the download; listDelayMs delays list; listFail fails it', async (t, h) => {
  h.setFaults({ createDelayMs: 300, listDelayMs: 200 });
  t.is((await h.run(['create', '--name', 'vm1', '-'], { input: offlineTemplate() })).exitCode, 0);
  t.is((await h.run(['list'])).exitCode, 0);
  const [create] = h.callLines('create');
  const [list] = h.callLines('list');
  t.true((create?.end ?? 0) - (create?.start ?? 0) >= 300);
  t.true((list?.end ?? 0) - (list?.start ?? 0) >= 200);
  h.setFaults({ listFail: true });
  const f = await h.run(['list', '--json']);
  t.is(f.exitCode, 1);
  t.is(f.stdout, '');
  t.truthy(f.fatal);
});
