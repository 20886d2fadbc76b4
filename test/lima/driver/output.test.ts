// What limactl prints: list NDJSON, log lines on stderr, and the error texts the driver classifies.
import test from 'ava';
import {
  classifyLimaMessage,
  isAlreadyRunningMessage,
  isAlreadyStoppedMessage,
  isIgnoredMissingMessage,
  type LimaErrorCode,
  parseListOutput,
  parseLogLine,
  parseStderr,
} from '../../../src/lima/index.js';

// Every error text of lima.md, in both quote styles (v2.2 `name`, older "name").
const D = '/home/u/.lima/dev';
// Written in the v2.2 style; the macro also checks the "name" variant.
const table: ReadonlyArray<readonly [string, LimaErrorCode]> = [
  ['must not run as the root user', 'RootRefused'],
  ['instance name `' + 'x'.repeat(70) + '` too long: `/very/long/ssh.sock.1234567890123456` must be less than UNIX_PATH_MAX=108 characters, but is 120', 'InvalidTemplate'],
  ['must pass instance name with --name when reading template from stdin', 'InvalidTemplate'],
  ['template does not define param `Foo`', 'InvalidTemplate'],
  ['instance `dev` already exists', 'AlreadyExists'],
  [`instance \`dev\` already exists (\`${D}\`)`, 'AlreadyExists'],
  [`instance \`dev\` seems running (hint: remove \`${D}/ha.pid\` if the instance is not actually running)`, 'NotStopped'],
  ['disk shrinking is not supported', 'InvalidTemplate'],
  [`hostagent (\`${D}/ha.pid\`) did not start up in 5s (hint: see \`${D}/ha.stderr.log\`)`, 'Timeout'],
  [`exiting, status={Running:false Degraded:false Exiting:true Errors:[] SSHLocalPort:0} (hint: see \`${D}/ha.stderr.log\`)`, 'Unknown'],
  ['degraded, status={Running:true Degraded:true Exiting:false Errors:[failed to satisfy the optional requirement] SSHLocalPort:51234}', 'Unknown'],
  ['host agent process has exited: exit status 1', 'Unknown'],
  ['did not receive an event with the `running` status', 'Timeout'],
  ['expected status `Running`, got `Stopped` (maybe use `limactl stop -f`?)', 'NotRunning'],
  ['expected status `Running`, got `Broken` (maybe use `limactl stop -f`?)', 'NotRunning'],
  ['did not receive an event with the `exiting` status', 'Timeout'],
  ['timed out waiting for instance to shut down after 3 minutes', 'Timeout'],
  [`open ${D}/lima.yaml: no such file or directory`, 'NotFound'],
  [`instance \`dev\` directory \`${D}\` exists but its \`lima.yaml\` could not be read; it was NOT deleted (hint: remove it by hand)`, 'Unknown'],
  ['failed to delete instance `dev`: instance is protected to prohibit accidental removal (Hint: use `limactl unprotect`)', 'Unknown'],
  ['failed to delete instance `dev`: expected status `Stopped`, got `Running`', 'NotStopped'],
  ['unmatched instances', 'NotFound'],
  ["can't determine instance name from template locator `-`", 'InvalidTemplate'],
  ['filename `bad name.yaml` is invalid: invalid instance name', 'InvalidTemplate'],
  ['failed to validate YAML file `/tmp/x/dev.yaml`: field `images` must be set', 'InvalidTemplate'],
  ['field `param` key `Foo` is not used in any provision, probe, copyToHost, or portForward', 'InvalidTemplate'],
  ['vmType `foo` is not a registered driver', 'InvalidTemplate'],
  // create's own validation: bare field errors, and a name that is not an identifier.
  ['field `images` must be set', 'InvalidTemplate'],
  ['field `cpus` has an invalid value: 0', 'InvalidTemplate'],
  ['instance name `a--b` is not a valid identifier', 'InvalidTemplate'],
  ['instance `dev` not found', 'NotFound'],
  ['cannot edit a running instance', 'NotStopped'],
  ['field `disk`: shrinking the disk (100GiB --> 10GiB) is not supported', 'InvalidTemplate'],
  ['instance `dev` does not exist, run `limactl create dev` to create a new instance', 'NotFound'],
  ['instance `dev` is stopped, run `limactl start dev` to start the instance', 'NotRunning'],
  ['another hostagent may already be running with pid 1234', 'NotStopped'],
  ['instance `dev` has configuration errors: field `cpus` must not be 0', 'InvalidTemplate'],
  ['something nobody anticipated', 'Unknown'],
];

const classifies = test.macro({
  exec(t, message: string, code: LimaErrorCode) {
    t.is(classifyLimaMessage(message), code, message);
    const v1 = message.replace(/`/g, '"');
    t.is(classifyLimaMessage(v1), code, v1);
  },
  title: (_p, message: string, code: LimaErrorCode) => `${code}: ${message.slice(0, 90)}`,
});

for (const [message, code] of table) test(classifies, message, code);

test('a status dump that embeds another error text is still Unknown', (t) => {
  t.is(classifyLimaMessage('exiting, status={Errors:[instance `dev` not found]}'), 'Unknown');
  t.is(classifyLimaMessage('exiting, status={Errors:[instance "dev" already exists]}'), 'Unknown');
});

test('stop treats only "got Stopped" as already stopped, in both quote styles', (t) => {
  t.true(isAlreadyStoppedMessage('expected status `Running`, got `Stopped` (maybe use `limactl stop -f`?)'));
  t.true(isAlreadyStoppedMessage('expected status "Running", got "Stopped" (maybe use `limactl stop -f`?)'));
  t.false(isAlreadyStoppedMessage('expected status `Running`, got `Broken` (maybe use `limactl stop -f`?)'));
});

test('warnings that mean success are recognised in both quote styles', (t) => {
  t.true(isIgnoredMissingMessage('Ignoring non-existent instance `dev`'));
  t.true(isIgnoredMissingMessage('Ignoring non-existent instance "dev"'));
  t.true(isAlreadyRunningMessage('The instance `dev` is already running. Run `limactl shell dev` to open the shell.'));
  t.true(isAlreadyRunningMessage('The instance "dev" is already running. Run `limactl shell dev` to open the shell.'));
});

// `limactl list` output: NDJSON, one instance a line.
test('NDJSON objects become instances with the fields the daemon uses', (t) => {
  const out = [
    '{"name":"dev","hostname":"lima-dev","status":"Running","dir":"/h/dev","vmType":"qemu","arch":"x86_64","cpus":4,"memory":4294967296,"sshLocalPort":51234,"hostAgentPID":10,"driverPID":11,"config":{},"protected":false,"limaVersion":"2.2.0"}',
    '{"name":"bad","status":"","dir":"/h/bad","vmType":"","errors":["yaml: line 1: did not find expected node content"]}',
  ].join('\n');
  const r = parseListOutput(out + '\n');
  t.true(r.ok);
  if (!r.ok) return;
  t.deepEqual(r.instances, [
    { name: 'dev', status: 'Running', dir: '/h/dev', vmType: 'qemu', arch: 'x86_64', cpus: 4, memory: 4294967296, sshLocalPort: 51234, hostAgentPID: 10, driverPID: 11 },
    { name: 'bad', status: '', dir: '/h/bad', errors: ['yaml: line 1: did not find expected node content'] },
  ]);
});

test('empty output is no instances', (t) => {
  t.deepEqual(parseListOutput(''), { ok: true, instances: [] });
  t.deepEqual(parseListOutput('\n\n'), { ok: true, instances: [] });
});

test('v1 error objects and qemuPID are carried over', (t) => {
  const r = parseListOutput('{"name":"old","status":"Running","dir":"/h/old","qemuPID":5,"errors":[{}]}');
  t.true(r.ok && r.instances[0]?.driverPID === 5);
  t.true(r.ok && r.instances[0]?.errors?.[0] === '{}');
});

test('a non-JSON line or an object without a name is reported', (t) => {
  t.like(parseListOutput('[{"name":"x"}]'), { ok: false });
  const r = parseListOutput('{"name":"x","status":"Stopped","dir":"/d"}\nnot json');
  t.false(r.ok);
  t.regex(r.ok ? '' : r.message, /not JSON: not json/);
});

// Log lines on limactl's stderr: JSON or logrus text, and which one is the failure.
test('JSON lines give level, message and extra fields', (t) => {
  const l = parseLogLine('{"level":"warning","msg":"instance `dev` has errors","time":"2026-08-21T10:00:00+09:00","errors":["x"]}');
  t.deepEqual(l, { level: 'warning', msg: 'instance `dev` has errors', fields: { time: '2026-08-21T10:00:00+09:00', errors: ['x'] } });
});

test('logrus text lines are understood, with Go-quoted messages', (t) => {
  const l = parseLogLine('time="2026-08-21T10:00:00+09:00" level=fatal msg="instance \\"dev\\" already exists"');
  t.deepEqual(l, { level: 'fatal', msg: 'instance "dev" already exists' });
});

test('the bare root refusal is a fatal line', (t) => {
  t.deepEqual(parseLogLine('limactl: must not run as the root user'), { level: 'fatal', msg: 'must not run as the root user' });
});

test('other text lines and blank lines are tolerated', (t) => {
  t.deepEqual(parseLogLine('panic: something odd'), { level: 'text', msg: 'panic: something odd' });
  t.is(parseLogLine('   '), undefined);
  t.deepEqual(parseLogLine('{not json'), { level: 'text', msg: '{not json' });
});

test('the failure is the last fatal message, else the last error', (t) => {
  const both = parseStderr(
    [
      '{"level":"error","msg":"first error","time":"t"}',
      '{"level":"fatal","msg":"the fatal","time":"t"}',
      '{"level":"error","msg":"later error","time":"t"}',
    ].join('\n'),
  );
  t.is(both.failure, 'the fatal');
  t.deepEqual(both.errors, ['first error', 'the fatal', 'later error']);
  const errorsOnly = parseStderr('{"level":"error","msg":"a","time":"t"}\n{"level":"info","msg":"b","time":"t"}\n{"level":"error","msg":"c","time":"t"}\n');
  t.is(errorsOnly.failure, 'c');
  t.is(parseStderr('{"level":"info","msg":"fine","time":"t"}\n').failure, undefined);
});
