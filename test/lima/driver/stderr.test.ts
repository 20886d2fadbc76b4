import test from 'ava';
import { parseLogLine, parseStderr } from '../../../src/lima/index.js';

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
