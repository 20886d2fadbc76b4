import test from 'ava';
import { parseQuantity } from '../../src/api/index.js';
import { validateAppSpec, type AppAdmissionDeps } from '../../src/admission/hooks/app-defaults.js';
import { parseAssignments } from '../../src/cli/props/parse.js';

// [input, bytes] pairs that must parse, covering every suffix of apimachinery's grammar.
const valid: Array<[string, number]> = [
  // no suffix, signs, fractions in every <number> form
  ['0', 0], ['4294967296', 4294967296], ['+5', 5], ['-5', -5], ['1.5', 1.5], ['1.', 1], ['.5', 0.5],
  ['-.5', -0.5], ['+1.', 1], ['007', 7],
  // decimalSI
  ['1m', 0.001], ['1500m', 1.5], ['1k', 1e3], ['1M', 1e6], ['1G', 1e9], ['1T', 1e12], ['1P', 1e15],
  ['1E', 1e18], ['3E', 3e18], ['1.1G', 1.1e9], ['-2k', -2000],
  // binarySI
  ['1Ki', 2 ** 10], ['1Mi', 2 ** 20], ['1Gi', 2 ** 30], ['1Ti', 2 ** 40], ['1Pi', 2 ** 50],
  ['1Ei', 2 ** 60], ['1.5Gi', 1.5 * 2 ** 30], ['.5Ki', 512], ['-1Mi', -(2 ** 20)], ['4096Mi', 2 ** 32],
  // decimalExponent: e or E with a signed integer
  ['1e3', 1e3], ['1E3', 1e3], ['1e+3', 1e3], ['1e-3', 1e-3], ['12e6', 12e6], ['1.5e3', 1500],
  ['-1e3', -1e3], ['1e0', 1], ['1E18', 1e18],
];

for (const [input, bytes] of valid) {
  test(`parses ${JSON.stringify(input)} as ${bytes}`, (t) => {
    t.is(parseQuantity(input), bytes);
  });
}

// Inputs the grammar refuses, or whose value is not a finite number.
const invalid = [
  '', ' ', '+', '-', '.', '+.', 'Gi', 'e3', // no number
  ' 1Gi', '1Gi ', '1 Gi', '\t1', '1\n', '1 e3', // whitespace anywhere
  '1K', '1Kb', '1KiB', '1gi', '1GI', '1g', '1i', '1mi', '1ki', '1u', '1n', // not a suffix of the grammar
  '1e', '1E+', '1e-', '1ee3', '1e3Gi', '1Gie3', '1e1.5', '1E3.0', // broken exponents
  '1.2.3', '1,5', '++1', '+-1', '0x10', '1_000', 'Infinity', 'NaN', '-Infinity', '1Gi1',
  '1e400', '1E309', '9e9999999999999999999', '1'.repeat(400), `${'9'.repeat(300)}E`, // overflow
];

const label = (s: string) => (s.length > 24 ? `${s.slice(0, 8)}… (${s.length} chars)` : JSON.stringify(s));
for (const input of invalid) {
  test(`refuses ${label(input)}`, (t) => {
    t.is(parseQuantity(input), undefined);
  });
}

test('a number is taken as it is, when finite', (t) => {
  t.is(parseQuantity(2 ** 31), 2 ** 31);
  t.is(parseQuantity(Number.NaN), undefined);
  t.is(parseQuantity(Number.POSITIVE_INFINITY), undefined);
  t.is(parseQuantity(Number.NEGATIVE_INFINITY), undefined);
});

// The callers: App validation and `rdd set`.
const deps: AppAdmissionDeps = {
  host: { cpus: () => 8, memoryBytes: () => 16 * 2 ** 30 },
  versions: { channels: {}, versions: [] },
};

function memoryCauses(memory: string): string[] {
  return validateAppSpec({ running: false, virtualMachine: { memory } }, deps)
    .filter((c) => c.field === 'spec.virtualMachine.memory')
    .map((c) => c.message);
}

test('App validation refuses 1Ei and 3E as larger than the host, not as NaN or 3 bytes', (t) => {
  t.regex(memoryCauses('1Ei').join(), /exceeds the host memory/);
  t.regex(memoryCauses('3E').join(), /exceeds the host memory/);
});

test('App validation refuses a quantity that overflows as invalid', (t) => {
  t.regex(memoryCauses('1e400').join(), /is not a valid quantity/);
  t.regex(memoryCauses('1 Gi').join(), /is not a valid quantity/);
});

test('App validation accepts 4Gi and 4096Mi, and refuses 1Gi as below the minimum', (t) => {
  t.deepEqual(memoryCauses('4Gi'), []);
  t.deepEqual(memoryCauses('4096Mi'), []);
  t.regex(memoryCauses('1Gi').join(), /less than the minimum/);
});

test('rdd set trims a quantity argument, and refuses one outside the grammar', (t) => {
  const [a] = parseAssignments(['virtualMachine.memory= 4Gi ']);
  t.is(a?.value, '4Gi');
  t.throws(() => parseAssignments(['virtualMachine.memory=4GB']), { message: /expected a quantity/ });
  t.throws(() => parseAssignments(['virtualMachine.memory=1e400']), { message: /expected a quantity/ });
});
