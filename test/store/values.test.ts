// The store's pure functions on values: JSON comparison, merge patch, label selectors.
import test from 'ava';
import fc from 'fast-check';
import { isApiError } from '../../src/api/index.js';
import { sameJson, sortDeep } from '../../src/store/codec.js';
import { mergePatch, parseSelector } from '../../src/store/index.js';

// Label selectors: what each operator matches, and a 400 BadRequest for a malformed selector.
const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };

const matchCases: Array<[string, Record<string, string> | undefined, boolean]> = [
  ['', labels, true],
  ['', undefined, true],
  ['app=web', labels, true],
  ['app==web', labels, true],
  ['app=db', labels, false],
  ['app!=db', labels, true],
  ['app!=web', labels, false],
  ['missing!=x', labels, true],
  ['app in (db, web)', labels, true],
  ['app in (db)', labels, false],
  ['missing in (x)', labels, false],
  ['app notin (db)', labels, true],
  ['app notin (web,db)', labels, false],
  ['missing notin (x)', labels, true],
  ['app', labels, true],
  ['missing', labels, false],
  ['!missing', labels, true],
  ['!app', labels, false],
  ['app=web,tier=front', labels, true],
  ['app=web, tier=back', labels, false],
  ['example.com/team=a', labels, true],
  ['  app = web ,  !missing  ', labels, true],
  ['app', undefined, false],
  ['!app', undefined, true],
  ['empty=', { empty: '' }, true],
  ['empty=', { empty: 'x' }, false],
];

const matching = test.macro({
  exec(t, sel: string, l: Record<string, string> | undefined, want: boolean) {
    t.is(parseSelector(sel).matches(l), want);
  },
  title: (_p, sel: string, l: Record<string, string> | undefined, want: boolean) =>
    `selector ${JSON.stringify(sel)} ${want ? 'matches' : 'does not match'} labels ${JSON.stringify(l)}`,
});

for (const c of matchCases) test(matching, ...c);

const bad = ['app=web,', ',app', 'app in', 'app in ()', 'app in (a', 'app web', '!', 'app=a=b', 'app>1', 'a b c', 'Bad Key=x', 'app=in valid', 'app=-x', '-app'];

const rejected = test.macro({
  exec(t, sel: string) {
    const e = t.throws(() => parseSelector(sel));
    t.true(isApiError(e));
    t.like(e, { code: 400, reason: 'BadRequest' });
    t.true(e.message.startsWith(`invalid label selector ${JSON.stringify(sel)}: `), e.message);
  },
  title: (_p, sel: string) => `selector ${JSON.stringify(sel)} is rejected with 400 BadRequest`,
});

for (const sel of bad) test(rejected, sel);

test('a parsed selector exposes its requirements', (t) => {
  const s = parseSelector('a=1,b notin (x,y),!c');
  t.deepEqual(
    s.requirements.map((r) => r.op),
    ['=', 'notin', '!exists'],
  );
});

// sameJson decides whether an update bumps generation; it must agree with comparing the canonical
// serializations it replaced.
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

// RFC 7386 Appendix A, plus immutability and prototype-safety cases.
const cases: Array<[string, unknown, unknown, unknown]> = [
  ['replaces a member', { a: 'b' }, { a: 'c' }, { a: 'c' }],
  ['adds a member', { a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  ['null deletes a member', { a: 'b' }, { a: null }, {}],
  ['null deletes only that member', { a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  ['an array replaces a scalar', { a: ['b'] }, { a: 'c' }, { a: 'c' }],
  ['a scalar replaces an array', { a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  ['objects merge recursively', { a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  ['arrays are replaced wholesale', { a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  ['a non-object patch replaces the target', ['a', 'b'], ['c', 'd'], ['c', 'd']],
  ['an object patch replaces an array target', ['a'], { a: 'b' }, { a: 'b' }],
  ['an object patch replaces a scalar target', 'x', { a: 'b' }, { a: 'b' }],
  ['a null patch is null', { a: 'b' }, null, null],
  ['a string patch is the string', { a: 'b' }, 'bar', 'bar'],
  ['null inside a new member is dropped', { e: null }, { a: 1 }, { e: null, a: 1 }],
  ['nested nulls create nothing', {}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

const applies = test.macro({
  exec(t, _title: string, target: unknown, patch: unknown, expected: unknown) {
    t.deepEqual(mergePatch(target, patch), expected);
  },
  title: (_provided, title: string) => `merge patch: ${title}`,
});

for (const c of cases) test(applies, ...c);

test('merge patch leaves its inputs untouched', (t) => {
  const target = { a: { b: 1 }, c: [1, 2] };
  const patch = { a: { b: 2, d: [3] }, c: null };
  const before = structuredClone({ target, patch });
  const out = mergePatch(target, patch) as { a: { d: number[] } };
  out.a.d.push(4);
  t.deepEqual({ target, patch }, before);
});

test('merge patch treats a __proto__ key as data, not as the prototype', (t) => {
  const patch = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
  const out = mergePatch({}, patch) as Record<string, unknown>;
  t.is(Object.getPrototypeOf(out), Object.prototype);
  t.deepEqual(Object.keys(out), ['__proto__']);
  t.is(({} as Record<string, unknown>).polluted, undefined);
});
