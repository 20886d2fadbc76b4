import test from 'ava';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { CliError, ExitCode } from '../../src/cli/exit.js';
import { firstSentence, propertiesHelp } from '../../src/cli/props/help.js';
import { coerce, fillRequired, parseAssignments, resolveProperty, toPatch } from '../../src/cli/props/parse.js';
import { leaves, propertyTree } from '../../src/cli/props/schema.js';

const usage = (t: import('ava').ExecutionContext, fn: () => unknown, message: string | RegExp) => {
  const e = t.throws(fn, { instanceOf: CliError });
  t.is(e?.exitCode, ExitCode.Usage);
  if (typeof message === 'string') t.is(e?.message, message);
  else t.regex(e?.message ?? '', message);
};

test('the property tree follows the App schema, without namespace', (t) => {
  const tree = propertyTree();
  const ls = leaves(tree);
  t.deepEqual(
    ls.map((l) => [l.path, l.type]),
    [
      ['running', 'boolean'],
      ['containerEngine.name', 'enum'],
      ['kubernetes.enabled', 'boolean'],
      ['kubernetes.version', 'string'],
      ['virtualMachine.cpus', 'integer'],
      ['virtualMachine.memory', 'quantity'],
      ['application.updates.enabled', 'boolean'],
    ],
  );
  t.deepEqual(ls.find((l) => l.path === 'containerEngine.name')?.values, ['moby', 'containerd']);
  t.false(tree.children.has('namespace'));
  t.deepEqual(tree.required, ['running']);
});

test('resolveProperty: the anchor messages for every kind of bad name', (t) => {
  t.is(resolveProperty('virtualMachine.cpus').path, 'virtualMachine.cpus');
  usage(t, () => resolveProperty(''), 'property name must not be empty');
  usage(t, () => resolveProperty('cpus'), /^unknown property "cpus"; valid properties: running, containerEngine\.name, .*virtualMachine\.cpus/);
  usage(
    t,
    () => resolveProperty('virtualMachine.disk'),
    'unknown property "disk" under "virtualMachine"; valid properties: virtualMachine.cpus, virtualMachine.memory',
  );
  usage(t, () => resolveProperty('running.x'), '"running" is not an object and has no sub-properties');
  usage(t, () => resolveProperty('virtualMachine'), '"virtualMachine" is an object; set its fields, e.g. "virtualMachine.cpus"');
  usage(t, () => resolveProperty('namespace'), /^unknown property "namespace"/);
  usage(t, () => resolveProperty('virtualMachine..cpus'), /empty segment/);
});

test('coerce: booleans in Go forms, integers, enums, quantities, strings', (t) => {
  const leaf = (p: string) => resolveProperty(p);
  for (const v of ['true', 'TRUE', 'True', 't', '1', 'yes']) t.is(coerce(leaf('running'), v), true, v);
  for (const v of ['false', 'F', '0', 'no']) t.is(coerce(leaf('running'), v), false, v);
  usage(t, () => coerce(leaf('running'), 'maybe'), 'invalid value "maybe" for running: expected boolean; use "true" or "false"');
  usage(t, () => coerce(leaf('running'), ''), /expected boolean/);
  t.is(coerce(leaf('virtualMachine.cpus'), '4'), 4);
  t.is(coerce(leaf('virtualMachine.cpus'), '-1'), -1);
  usage(t, () => coerce(leaf('virtualMachine.cpus'), '4.5'), 'invalid value "4.5" for virtualMachine.cpus: expected integer');
  usage(t, () => coerce(leaf('virtualMachine.cpus'), ''), /expected integer/);
  usage(t, () => coerce(leaf('virtualMachine.cpus'), '99999999999999999999'), /expected integer/);
  t.is(coerce(leaf('containerEngine.name'), 'containerd'), 'containerd');
  usage(t, () => coerce(leaf('containerEngine.name'), 'docker'), 'invalid value "docker" for containerEngine.name: valid values: moby, containerd');
  t.is(coerce(leaf('virtualMachine.memory'), '4Gi'), '4Gi');
  t.is(coerce(leaf('virtualMachine.memory'), ''), null, 'an empty quantity is a null patch');
  usage(t, () => coerce(leaf('virtualMachine.memory'), 'lots'), /expected a quantity/);
  t.is(coerce(leaf('kubernetes.version'), ''), '', 'a string can be empty');
});

test('coerce: every safe integer round-trips', (t) => {
  const leaf = resolveProperty('virtualMachine.cpus');
  const run = fc.check(fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (n) => coerce(leaf, String(n)) === n), { numRuns: 200 });
  t.false(run.failed, fc.defaultReportMessage(run) ?? '');
  t.is(run.numRuns, 200, 'every run checked, none skipped');
});

test('parseAssignments: PROPERTY=VALUE format, a later value wins, values may contain "="', (t) => {
  usage(t, () => parseAssignments(['running']), 'invalid argument "running": expected PROPERTY=VALUE format');
  usage(t, () => parseAssignments(['=true']), 'property name must not be empty');
  usage(t, () => parseAssignments([]), /^no properties given/);
  const a = parseAssignments(['virtualMachine.cpus=2', 'running=true', 'virtualMachine.cpus=3', 'kubernetes.version=a=b']);
  t.deepEqual(
    a.map((x) => [x.leaf.path, x.value]),
    [
      ['running', true],
      ['virtualMachine.cpus', 3],
      ['kubernetes.version', 'a=b'],
    ],
  );
});

test('toPatch nests dotted paths', (t) => {
  t.deepEqual(toPatch(parseAssignments(['virtualMachine.cpus=2', 'virtualMachine.memory=', 'containerEngine.name=moby'])), {
    virtualMachine: { cpus: 2, memory: null },
    containerEngine: { name: 'moby' },
  });
});

test('fillRequired: a new App gets running=false and required fields of new objects', (t) => {
  t.deepEqual(fillRequired({ virtualMachine: { cpus: 2, memory: null } }, undefined), { running: false, virtualMachine: { cpus: 2 } });
  t.deepEqual(fillRequired({ running: true }, undefined), { running: true });
  t.deepEqual(fillRequired({ kubernetes: { version: 'stable' } }, undefined), { running: false, kubernetes: { version: 'stable', enabled: false } });
  // An existing App: only objects it lacks get their required fields.
  t.deepEqual(fillRequired({ kubernetes: { version: 'stable' } }, { running: true }), { kubernetes: { version: 'stable', enabled: false } });
  t.deepEqual(fillRequired({ kubernetes: { version: '1.32' } }, { running: true, kubernetes: { enabled: true } }), { kubernetes: { version: '1.32' } });
  t.deepEqual(fillRequired({ virtualMachine: { memory: null } }, { running: true, virtualMachine: { memory: '4Gi' } }), { virtualMachine: { memory: null } });
});

test('a schema with a required enum fills its first value', (t) => {
  const schema = Type.Object({ engine: Type.Optional(Type.Object({ name: Type.Union([Type.Literal('a'), Type.Literal('b')]), n: Type.Optional(Type.Integer()) })) });
  const tree = propertyTree(schema, new Set());
  t.deepEqual(fillRequired({ engine: { n: 1 } }, undefined, tree), { engine: { n: 1, name: 'a' } });
});

test('help lists every property with its type and the first sentence', (t) => {
  const help = propertiesHelp();
  t.true(help.startsWith('Available properties:\n'));
  t.regex(help, /containerEngine\.name\s+\(enum: moby, containerd\)\s+Container engine that runs in the VM\.\n/);
  t.regex(help, /virtualMachine\.memory\s+\(quantity\)\s+Memory size as a quantity, e\.g\. 4Gi\.\n/);
  t.regex(help, /running\s+\(boolean\)\s+Whether the VM should be running\.\n/);
  t.false(help.includes('namespace'));
  t.is(firstSentence('One. Two.'), 'One.');
  t.is(firstSentence('Use e.g. 4Gi. Then more.'), 'Use e.g. 4Gi.');
  t.is(firstSentence('No period'), 'No period');
});
