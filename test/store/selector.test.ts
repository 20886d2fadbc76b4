import test from 'ava';
import { isApiError } from '../../src/api/index.js';
import { parseSelector } from '../../src/store/index.js';

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
