// The simulator's pure pieces, in process: argument parsing, Go durations and sizes, --set,
// names, timestamps, knob precedence and the scaled-wait floor.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { parseArgs, splitCommand, type FlagSpec } from '../../../src/sim/cli.js';
import { loadFaults, scaled } from '../../../src/sim/faults.js';
import { instNameError, validateInstanceName } from '../../../src/sim/names.js';
import { Fatal, goDuration, parseGoDuration, parseRfc3339, rfc3339 } from '../../../src/sim/output.js';
import { writeSimFaults } from '../../../src/sim/paths.js';
import { applySet, parseTemplate, ramInBytes, validateTemplate } from '../../../src/sim/template.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'force', short: 'f', type: 'bool' },
  { name: 'name', type: 'string' },
  { name: 'set', type: 'strings' },
];

test('parseArgs: flag forms, repeated flags, global flags anywhere, `--`', (t) => {
  const p = parseArgs(['--name=a', 'x', '-f', '--set', '.a = 1', '--set=.b = 2', '--tty=false', '--', '--not-a-flag'], FLAGS);
  t.is(p.flags.get('name'), 'a');
  t.is(p.flags.get('force'), true);
  t.deepEqual(p.flags.get('set'), ['.a = 1', '.b = 2']);
  t.is(p.flags.get('tty'), false);
  t.deepEqual(p.positionals, ['x', '--not-a-flag']);
});

test('parseArgs: without interspersed flags everything after the first positional is positional', (t) => {
  const p = parseArgs(['--workdir', '/tmp', 'vm1', 'ls', '-la', '--force'], [{ name: 'workdir', type: 'string' }], false);
  t.is(p.flags.get('workdir'), '/tmp');
  t.deepEqual(p.positionals, ['vm1', 'ls', '-la', '--force']);
});

test('parseArgs: unknown flags and bad booleans read like cobra', (t) => {
  t.throws(() => parseArgs(['--bogus'], FLAGS), { instanceOf: Fatal, message: 'unknown flag: --bogus' });
  t.throws(() => parseArgs(['-z'], FLAGS), { instanceOf: Fatal, message: "unknown shorthand flag: 'z' in -z" });
  t.throws(() => parseArgs(['--force=maybe'], FLAGS), { instanceOf: Fatal, message: /invalid argument "maybe" for "--force" flag/ });
  t.throws(() => parseArgs(['--name'], FLAGS), { instanceOf: Fatal, message: 'flag needs an argument: --name' });
});

test('splitCommand skips global flags and their values', (t) => {
  t.deepEqual(splitCommand(['--log-format', 'json', '--tty=false', 'list', '--json']), {
    cmd: 'list',
    rest: ['--json'],
    before: ['--log-format', 'json', '--tty=false'],
  });
  t.is(splitCommand(['--version']).cmd, undefined);
});

test('Go durations: parse and print', (t) => {
  t.is(parseGoDuration('10m'), 600_000);
  t.is(parseGoDuration('1m30s'), 90_000);
  t.is(parseGoDuration('1.5h'), 5_400_000);
  t.is(parseGoDuration('250ms'), 250);
  t.is(parseGoDuration('0'), 0);
  t.true(Number.isNaN(parseGoDuration('10')));
  t.true(Number.isNaN(parseGoDuration('ten minutes')));
  t.is(goDuration(5000), '5s');
  t.is(goDuration(190_000), '3m10s');
  t.is(goDuration(180_000), '3m0s');
  t.is(goDuration(1900), '1.9s');
  t.is(goDuration(50), '50ms');
});

test('go-units sizes are binary multiples', (t) => {
  t.is(ramInBytes('4GiB'), 4 * 1024 ** 3);
  t.is(ramInBytes('512MiB'), 512 * 1024 ** 2);
  t.is(ramInBytes('100gb'), 100 * 1024 ** 3);
  t.is(ramInBytes('1.5G'), 1.5 * 1024 ** 3);
  t.true(Number.isNaN(ramInBytes('lots')));
  t.true(Number.isNaN(ramInBytes('-1GiB')));
});

test('--set keeps comments and layout, splits on | outside quotes, and creates paths', (t) => {
  const text = '# my VM\nimages:\n- location: /etc/profile # local\ncpus: 1\n';
  const out = applySet(text, '.cpus = 3 | .memory = "2|GiB" | .param.Foo = "bar"');
  t.true(out.startsWith('# my VM\n'));
  t.true(out.includes('# local'));
  const parsed = parseTemplate(out);
  t.true('doc' in parsed);
  if ('doc' in parsed) t.like(parsed.doc, { cpus: 3, memory: '2|GiB', param: { Foo: 'bar' } });
  t.is(applySet('# only a comment\n', '.cpus = 2').includes('cpus: 2'), true);
  t.throws(() => applySet(text, 'del(.cpus)'), { message: /unsupported expression/ });
});

test('validation collects every error with Lima\'s wording', (t) => {
  const text = 'cpus: 0\nmemory: lots\nvmType: kvm\nparam:\n  Unused: x\n';
  const parsed = parseTemplate(text);
  if (!('doc' in parsed)) return t.fail(parsed.error);
  t.deepEqual(validateTemplate(parsed.doc, text), [
    'vmType `kvm` is not a registered driver',
    'field `images` must be set',
    'field `cpus` must be set',
    "field `memory` has an invalid value: invalid size: 'lots'",
    'field `param` key `Unused` is not used in any provision, probe, copyToHost, or portForward',
  ]);
});

test('instance names: Lima identifiers, ≤ 76 chars, no .yml/.yaml suffix', (t) => {
  for (const ok of ['vm1', 'a.b_c-d', 'UPPER', 'a'.repeat(76)]) t.is(instNameError(ok), undefined, ok);
  for (const bad of ['', 'a--b', '-a', 'a-', '_x', '.x', 'a b', 'a'.repeat(77), 'vm.yaml', 'vm.YML']) {
    t.not(instNameError(bad), undefined, bad);
  }
  t.is(validateInstanceName('/tmp/x/vm1.yaml'), 'vm1');
  t.is(validateInstanceName('-'), undefined);
});

test('RFC 3339 times round-trip at millisecond precision; extra fraction digits are accepted', (t) => {
  const d = new Date(Date.UTC(2026, 7, 21, 1, 2, 3, 450));
  t.is(parseRfc3339(rfc3339(d, true)), d.getTime());
  t.is(parseRfc3339(rfc3339(d)), d.getTime() - 450);
  t.is(parseRfc3339('2026-08-21T10:00:01.123456789+09:00'), Date.UTC(2026, 7, 21, 1, 0, 1, 123));
  t.true(Number.isNaN(parseRfc3339('yesterday')));
});

test('knobs: env, then the default section, then the instance section', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rsimu-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const env = { LIMA_SIM_FAULTS: JSON.stringify({ bootDelayMs: 1, listFail: true, sshPort: 2000 }) };
  t.deepEqual(loadFaults(home, 'vm1', env), { bootDelayMs: 1, listFail: true, sshPort: 2000 });
  writeSimFaults(home, { default: { bootDelayMs: 2, listFail: false }, instances: { vm1: { bootDelayMs: 3 } } });
  t.deepEqual(loadFaults(home, 'vm1', env), { bootDelayMs: 3, listFail: false, sshPort: 2000 });
  t.deepEqual(loadFaults(home, 'vm2', env), { bootDelayMs: 2, listFail: false, sshPort: 2000 });
  t.deepEqual(loadFaults(home, null, env), { bootDelayMs: 2, listFail: false, sshPort: 2000 });
  t.throws(() => loadFaults(home, null, { LIMA_SIM_FAULTS: '{nope' }), { message: /invalid JSON in LIMA_SIM_FAULTS/ });
});

test('scaled waits: multiplied by LIMA_SIM_TIME_SCALE, never below the floor or above the real wait', (t) => {
  t.is(scaled(5000, {}), 5000);
  t.is(scaled(190_000, { LIMA_SIM_TIME_SCALE: '0.01' }), 2000);
  t.is(scaled(600_000, { LIMA_SIM_TIME_SCALE: '0.01' }), 6000);
  t.is(scaled(500, { LIMA_SIM_TIME_SCALE: '0.01' }), 500);
  t.is(scaled(5000, { LIMA_SIM_TIME_SCALE: '0.01', LIMA_SIM_MIN_WAIT_MS: '0' }), 50);
});
