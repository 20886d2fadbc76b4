import test from 'ava';
import { parseListOutput } from '../../../src/lima/index.js';

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
