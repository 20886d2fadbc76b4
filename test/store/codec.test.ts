// sameJson decides whether an update bumps generation; it must agree with comparing the canonical
// serializations it replaced.
import test from 'ava';
import fc from 'fast-check';
import { sameJson, sortDeep } from '../../src/store/codec.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(sortDeep(a)) === JSON.stringify(sortDeep(b));

test('sameJson agrees with comparing canonical JSON', (t) => {
  // Small value sets, so equal pairs are frequent; doubles bring NaN, ±Infinity and -0.
  const leaf = fc.oneof(fc.constantFrom<unknown>(null, true, false, 0, -0, 1, 'a', '', undefined), fc.double());
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', '__proto__'), tie('v'), { maxKeys: 3 })),
  })).v;
  // As the store calls it: both sides canonical, one built by sortDeep, one parsed from a row
  // (top-level content values are never undefined).
  const stored = (v: unknown): unknown => JSON.parse(JSON.stringify(sortDeep(v)) ?? 'null');
  const run = fc.check(
    fc.property(value, value, (a, b) => {
      const x = sortDeep(a ?? null);
      return sameJson(x, stored(b)) === same(x, stored(b)) && sameJson(x, stored(x));
    }),
    { numRuns: 2000 },
  );
  t.false(run.failed, fc.defaultReportMessage(run) ?? '');
  t.is(run.numRuns, 2000, 'every run checked, none skipped');
});
