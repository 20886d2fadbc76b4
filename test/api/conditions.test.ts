import test from 'ava';
import {
  CONDITION_MESSAGE_MAX,
  TRUNCATION_SUFFIX,
  removeCondition,
  setCondition,
  truncateConditionMessage,
  type Condition,
} from '../../src/api/index.js';

const points = (s: string) => Array.from(s).length;
const suffixLen = points(TRUNCATION_SUFFIX);

const truncation = test.macro({
  exec(t, input: string, expectedPoints: number, truncated: boolean) {
    const out = truncateConditionMessage(input);
    t.is(points(out), expectedPoints);
    t.is(out.endsWith(TRUNCATION_SUFFIX), truncated);
    if (!truncated) t.is(out, input);
    // No lone surrogate: re-encoding is lossless.
    t.is(Buffer.from(out, 'utf8').toString('utf8'), out);
  },
  title: (provided) => `truncateConditionMessage: ${provided ?? ''}`,
});

test('empty message', truncation, '', 0, false);
test('exactly at the limit (ASCII)', truncation, 'a'.repeat(CONDITION_MESSAGE_MAX), CONDITION_MESSAGE_MAX, false);
test('one over the limit (ASCII)', truncation, 'a'.repeat(CONDITION_MESSAGE_MAX + 1), CONDITION_MESSAGE_MAX, true);
test('multi-byte characters at the limit', truncation, 'é'.repeat(CONDITION_MESSAGE_MAX), CONDITION_MESSAGE_MAX, false);
test('multi-byte characters one over', truncation, 'é'.repeat(CONDITION_MESSAGE_MAX + 1), CONDITION_MESSAGE_MAX, true);
// Astral characters take two UTF-16 units: 20000 of them exceed 32768 units but not 32768 code points.
test('astral characters under the limit in code points', truncation, '😀'.repeat(20000), 20000, false);
test('astral characters exactly at the limit', truncation, '😀'.repeat(CONDITION_MESSAGE_MAX), CONDITION_MESSAGE_MAX, false);
test('astral characters one over', truncation, '😀'.repeat(CONDITION_MESSAGE_MAX + 1), CONDITION_MESSAGE_MAX, true);

test('truncation keeps the first code points and appends the suffix', (t) => {
  const input = '😀'.repeat(CONDITION_MESSAGE_MAX) + 'tail';
  const out = truncateConditionMessage(input);
  t.is(out, '😀'.repeat(CONDITION_MESSAGE_MAX - suffixLen) + TRUNCATION_SUFFIX);
});

test('setCondition appends a new type with the given time', (t) => {
  const conds: Condition[] = [];
  t.true(setCondition(conds, { type: 'Ready', status: 'False', reason: 'Booting', message: 'm' }, '2026-01-01T00:00:00Z'));
  t.deepEqual(conds, [
    { type: 'Ready', status: 'False', reason: 'Booting', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' },
  ]);
});

test('setCondition changes lastTransitionTime only when status changes', (t) => {
  const conds: Condition[] = [];
  setCondition(conds, { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, 'T1');
  t.true(setCondition(conds, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, 'T2'));
  t.is(conds[0]!.lastTransitionTime, 'T1');
  t.is(conds[0]!.reason, 'B');
  t.true(setCondition(conds, { type: 'Ready', status: 'True', reason: 'B', message: 'b' }, 'T3'));
  t.is(conds[0]!.lastTransitionTime, 'T3');
});

test('setCondition ignores a caller transition time when status is unchanged', (t) => {
  const conds: Condition[] = [];
  setCondition(conds, { type: 'Ready', status: 'True', reason: 'A', message: '' }, 'T1');
  t.false(setCondition(conds, { type: 'Ready', status: 'True', reason: 'A', message: '', lastTransitionTime: 'T9' }, 'T2'));
  t.is(conds[0]!.lastTransitionTime, 'T1');
});

test('setCondition reports no change for an identical condition', (t) => {
  const conds: Condition[] = [];
  setCondition(conds, { type: 'X', status: 'True', reason: 'R', message: 'm', observedGeneration: 3 }, 'T1');
  t.false(setCondition(conds, { type: 'X', status: 'True', reason: 'R', message: 'm', observedGeneration: 3 }, 'T2'));
  t.true(setCondition(conds, { type: 'X', status: 'True', reason: 'R', message: 'm', observedGeneration: 4 }, 'T2'));
});

test('setCondition keeps the position of an existing type', (t) => {
  const conds: Condition[] = [];
  setCondition(conds, { type: 'A', status: 'True', reason: 'R', message: '' }, 'T');
  setCondition(conds, { type: 'B', status: 'True', reason: 'R', message: '' }, 'T');
  setCondition(conds, { type: 'A', status: 'False', reason: 'R', message: '' }, 'T');
  t.deepEqual(conds.map((c) => c.type), ['A', 'B']);
});

test('setCondition truncates the message', (t) => {
  const conds: Condition[] = [];
  setCondition(conds, { type: 'A', status: 'False', reason: 'R', message: 'x'.repeat(CONDITION_MESSAGE_MAX + 5) }, 'T');
  t.is(points(conds[0]!.message), CONDITION_MESSAGE_MAX);
});

test('removeCondition removes only the named type', (t) => {
  const conds: Condition[] = [];
  setCondition(conds, { type: 'A', status: 'True', reason: 'R', message: '' }, 'T');
  setCondition(conds, { type: 'B', status: 'True', reason: 'R', message: '' }, 'T');
  t.true(removeCondition(conds, 'A'));
  t.false(removeCondition(conds, 'A'));
  t.deepEqual(conds.map((c) => c.type), ['B']);
});
