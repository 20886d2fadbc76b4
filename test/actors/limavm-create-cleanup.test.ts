// A failed create whose cleanup also fails (issue 11, item 6): the half-built instance is still
// rdd's, so the `.preparing` sentinel stays until its directory is gone; the VM retries the delete,
// then the create, and never ends at Created=False/InstanceExists.
import test from 'ava';
import { is, limaVM, startMemoryCore, templateConfigMap } from '../helpers/core.js';

test('a failed create whose cleanup delete fails keeps its sentinel and recovers once delete works', async (t) => {
  const tc = await startMemoryCore(t, {
    faults: { instances: { vm1: { createFail: 'download', deleteFail: 'injected by the test' } } },
  });
  await tc.create(templateConfigMap('src'));
  const vm = await tc.create(limaVM('vm1'));
  // The create failed after writing the instance, and the cleanup delete failed too.
  await tc.until('create and cleanup failed', () =>
    tc.calls().some((l) => l.kind === 'call' && l.cmd === 'create' && l.exitCode !== 0) &&
    tc.calls().some((l) => l.kind === 'call' && l.cmd === 'delete' && l.exitCode !== 0));
  await tc.until('Created=False', () => is(tc.cond('LimaVM', 'vm1', 'Created'), 'False'));
  t.true(tc.inspect('vm1').exists, 'the half-built instance is still there');
  t.is(tc.inspect('vm1').owner, undefined, 'it has no owner marker');
  t.is(tc.inspect('vm1').preparing, vm.metadata.uid, 'the sentinel still claims it');
  t.not(tc.cond('LimaVM', 'vm1', 'Created')?.reason, 'InstanceExists');

  // Lima works again: the VM deletes its half-built instance, creates it afresh, and owns it.
  tc.faults({});
  await tc.quiet(60_000);
  t.true(is(tc.cond('LimaVM', 'vm1', 'Created'), 'True', 'Created'), JSON.stringify(tc.cond('LimaVM', 'vm1', 'Created')));
  t.is(tc.inspect('vm1').owner, vm.metadata.uid);
  t.is(tc.inspect('vm1').preparing, undefined);
});
