// Durations, exit-code mapping, the template heuristic, params, condition arguments, and a quiet
// exit 0 when the reader closes the pipe early.
import test from 'ava';
import { CommanderError } from 'commander';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, errors } from '../../src/api/index.js';
import { parseConditionArg, parseSince } from '../../src/cli/commands/ctl.js';
import { parseParams } from '../../src/cli/commands/limavm-common.js';
import { shellQuote } from '../../src/cli/commands/service.js';
import { FOREVER_MS, formatAge, formatDuration, parseDuration } from '../../src/cli/duration.js';
import { ChildExit, CliError, ExitCode, exitCodeOf, messageOf } from '../../src/cli/exit.js';
import { classifyTemplateArg } from '../../src/cli/template-arg.js';
import { ConditionFailedError } from '../../src/transport/index.js';
import { CLI } from './helpers/harness.js';

test('parseDuration: Go-style units and bare seconds', (t) => {
  t.is(parseDuration('90s'), 90_000);
  t.is(parseDuration('5m'), 300_000);
  t.is(parseDuration('1h30m'), 5_400_000);
  t.is(parseDuration('250ms'), 250);
  t.is(parseDuration('1.5s'), 1500);
  t.is(parseDuration('0'), 0);
  t.is(parseDuration('30'), 30_000);
  t.is(parseDuration('5 minutes'), undefined);
  t.is(parseDuration('m5'), undefined);
  t.is(parseDuration(''), undefined);
});

test('formatDuration and formatAge', (t) => {
  t.is(formatDuration(300_000), '5m');
  t.is(formatDuration(5_430_000), '1h30m30s');
  t.is(formatDuration(0), '0ms');
  t.is(formatDuration(90_000), '1m30s');
  t.is(formatDuration(FOREVER_MS), 'forever');
  const now = Date.parse('2025-01-01T12:00:00Z');
  const ago = (s: number) => new Date(now - s * 1000).toISOString();
  t.is(formatAge(ago(5), now), '5s');
  t.is(formatAge(ago(119), now), '119s');
  t.is(formatAge(ago(200), now), '3m20s');
  t.is(formatAge(ago(17 * 60), now), '17m');
  t.is(formatAge(ago(5 * 3600), now), '5h');
  t.is(formatAge(ago(3 * 86400), now), '3d');
  t.is(formatAge(undefined, now), '<unknown>');
});

test('exit codes: one mapping for every error', (t) => {
  t.is(exitCodeOf(new CliError('x')), ExitCode.Error);
  t.is(exitCodeOf(new CliError('x', ExitCode.Timeout)), 4);
  t.is(exitCodeOf(new CliError('x', ExitCode.Incompatible)), 5);
  t.is(exitCodeOf(new CommanderError(1, 'commander.unknownOption', 'bad')), ExitCode.Usage);
  t.is(exitCodeOf(new CommanderError(1, 'commander.missingArgument', 'bad')), ExitCode.Usage);
  t.is(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', '')), ExitCode.Ok);
  t.is(exitCodeOf(new CommanderError(0, 'commander.version', '')), ExitCode.Ok);
  t.is(exitCodeOf(errors.forbidden('cannot delete "rd": owned by App; delete the App resource instead')), ExitCode.Rejected);
  t.is(exitCodeOf(errors.invalid('apps', 'app', [{ message: 'bad' }])), ExitCode.Rejected);
  t.is(exitCodeOf(errors.badRequest('no')), ExitCode.Rejected);
  t.is(exitCodeOf(errors.timeout('slow')), ExitCode.Timeout);
  t.is(exitCodeOf(errors.notFound('apps', 'app')), ExitCode.Error);
  t.is(exitCodeOf(errors.conflict('apps', 'app')), ExitCode.Error);
  t.is(exitCodeOf(errors.internal('boom')), ExitCode.Error);
  const notRunning = new ApiError(503, 'ServiceUnavailable', 'down', { causes: [{ reason: 'DaemonNotRunning', message: 'x' }] });
  t.is(exitCodeOf(notRunning), ExitCode.Error);
  t.is(
    exitCodeOf(new ConditionFailedError('App', 'app', '', { type: 'Settled', status: 'False', reason: 'StartFailed', message: 'm', lastTransitionTime: '' })),
    ExitCode.Error,
  );
  t.is(exitCodeOf(new Error('plain')), ExitCode.Error);
  t.is(exitCodeOf(new ChildExit(42)), 42);
  t.is(messageOf(new ChildExit(42)), undefined);
  t.is(messageOf(new CommanderError(1, 'x', 'y')), undefined);
  t.is(messageOf(new CliError('said')), 'said');
});

test('template argument: a DNS-1123 name is a ConfigMap unless such a file exists', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rdd-cli-tmpl-'));
  writeFileSync(join(dir, 'exists.yaml'), 'x');
  t.deepEqual(classifyTemplateArg('my-template', dir), { kind: 'configmap', name: 'my-template' });
  t.deepEqual(classifyTemplateArg('tmpl.yaml', dir), { kind: 'configmap', name: 'tmpl.yaml' });
  t.deepEqual(classifyTemplateArg('exists.yaml', dir), { kind: 'file', path: join(dir, 'exists.yaml') });
  t.deepEqual(classifyTemplateArg('./tmpl.yaml', dir), { kind: 'file', path: join(dir, 'tmpl.yaml') });
  t.deepEqual(classifyTemplateArg('Upper.yaml', dir), { kind: 'file', path: join(dir, 'Upper.yaml') });
  t.deepEqual(classifyTemplateArg('/abs/path.yaml', dir), { kind: 'file', path: '/abs/path.yaml' });
});

test('parseParams: KEY=VALUE, KEY= removes only where allowed', (t) => {
  t.deepEqual(parseParams(['A=1', 'b_2=x=y', 'C='], false), { A: '1', b_2: 'x=y', C: '' });
  t.deepEqual(parseParams(['A=1', 'C='], true), { A: '1', C: null });
  t.throws(() => parseParams(['noequals'], true), { instanceOf: CliError, message: /expected KEY=VALUE/ });
  const e = t.throws(() => parseParams(['1bad=x'], true), { instanceOf: CliError });
  t.is(e?.exitCode, ExitCode.Usage);
});

test('wait-condition arguments', (t) => {
  t.deepEqual(parseConditionArg('Settled'), { type: 'Settled', status: 'True' });
  t.deepEqual(parseConditionArg('Running=false'), { type: 'Running', status: 'False' });
  t.deepEqual(parseConditionArg('Created=Unknown'), { type: 'Created', status: 'Unknown' });
  t.throws(() => parseConditionArg('Running=maybe'), { message: /use True, False or Unknown/ });
  t.throws(() => parseConditionArg('=True'), { message: /expected TYPE or TYPE=STATUS/ });
  t.is(parseSince('2025-01-02T15:04:05.900Z', ''), Date.parse('2025-01-02T15:04:05Z'));
  t.is(parseSince('startup', '2025-01-02T15:04:05.123Z'), Date.parse('2025-01-02T15:04:05Z'));
  t.throws(() => parseSince('yesterday', ''), { instanceOf: CliError, message: /invalid --since/ });
});

test('shell quoting for `service paths -o shell`', (t) => {
  t.is(shellQuote('/tmp/a-b_c/x.db'), '/tmp/a-b_c/x.db');
  t.is(shellQuote('/tmp/with space'), `'/tmp/with space'`);
  t.is(shellQuote(`it's`), `'it'\\''s'`);
});

// A reader that closes its end of the pipe early (`rdd --help | head -1`) must not make rdd
// crash with an unhandled EPIPE.
test('output into a pipe whose reader has gone ends the command quietly, exit 0', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rdd-pipe-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const child = spawn(process.execPath, [CLI, '--help'], { env: { ...process.env, RDD_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the child has started, so its first write finds no reader.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  t.is(stderr, '');
  t.is(code, 0);
});
