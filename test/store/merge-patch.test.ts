import test from 'ava';
import { mergePatch } from '../../src/store/index.js';

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
