// Simulator-only: every start outcome, crash, hang and corruption knob (lima.md §7.4), flipped
// before or during a run, and the statuses and messages each one must produce.
import { existsSync, readFileSync } from 'node:fs';
import { createAndStart, registerLeakCheck, simOnly } from './contract.js';
import { haEvents, offlineTemplate, pidFrom, waitFor, type LimaHome } from '../helpers/sim.js';
import type { SimHostagentLine, SimKillLine } from '../../../src/sim/paths.js';

registerLeakCheck();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function create(h: LimaHome, name = 'vm1', extra = ''): Promise<void> {
  const r = await h.run(['create', '--name', name, '-'], { input: offlineTemplate(extra) });
  if (r.exitCode !== 0) throw new Error(r.stderr);
}

function kills(h: LimaHome): [string, number][] {
  return h.calls().filter((l): l is SimKillLine => l.kind === 'kill').map((k) => [k.target, k.pid]);
}

simOnly('startOutcome=degraded: start exits 1 with "degraded, status=" while the VM keeps running', async (t, h) => {
  await create(h);
  h.setFaults({ startOutcome: 'degraded' });
  const r = await h.run(['start', 'vm1']);
  t.is(r.exitCode, 1);
  t.regex(r.fatal ?? '', /^degraded, status=\{Running:true Degraded:true /);
  t.true(r.logs.some((l) => l.level === 'warning' && l.msg.startsWith('DEGRADED. The VM seems running')));
  const last = haEvents(h, 'vm1').at(-1) as { status: { running: boolean; degraded: boolean; errors: string[] } };
  t.true(last.status.running && last.status.degraded && last.status.errors.length === 1);
  t.is(await h.status('vm1'), 'Running');
});

simOnly('startOutcome=exiting: exiting event, fatal in ha.stderr.log, hostagent exits 1, instance Stopped', async (t, h) => {
  await create(h);
  h.setFaults({ startOutcome: 'exiting' });
  const r = await h.run(['start', 'vm1']);
  t.is(r.exitCode, 1);
  t.regex(r.fatal ?? '', /^exiting, status=\{Running:false Degraded:false Exiting:true .*\(hint: see `.*ha\.stderr\.log`\)$/);
  t.deepEqual((haEvents(h, 'vm1').at(-1) as { status: unknown }).status, { exiting: true });
  await waitFor('the hostagent exit line', () => h.calls().find((l) => l.kind === 'hostagent' && l.event === 'exit'));
  t.like(h.calls().find((l) => l.kind === 'hostagent' && l.event === 'exit'), { exitCode: 1 });
  t.regex(readFileSync(h.file('vm1', 'ha.stderr.log'), 'utf8'), /"level":"fatal"/);
  t.false(existsSync(h.file('vm1', 'ha.pid')));
  t.is(await h.status('vm1'), 'Stopped');
});

simOnly('startOutcome=never: start times out and leaves the hostagent running', async (t, h) => {
  await create(h);
  h.setFaults({ startOutcome: 'never' });
  const r = await h.run(['start', '--timeout', '1s', 'vm1']);
  t.is(r.exitCode, 1);
  t.is(r.fatal, 'did not receive an event with the `running` status');
  const ha = pidFrom(h.file('vm1', 'ha.pid'));
  t.true(alive(ha));
  t.is(await h.status('vm1'), 'Running');
  t.is((await h.run(['stop', 'vm1'])).exitCode, 0);
});

simOnly('startOutcome=hostagentExit: "host agent process has exited"; the stale ha.pid is cleaned up by inspection', async (t, h) => {
  await create(h);
  h.setFaults({ startOutcome: 'hostagentExit' });
  const r = await h.run(['start', 'vm1']);
  t.is(r.exitCode, 1);
  t.is(r.fatal, 'host agent process has exited: exit status 1');
  t.true(existsSync(h.file('vm1', 'ha.pid')), 'a crashing hostagent leaves its pid file');
  t.is(await h.status('vm1'), 'Stopped');
  t.false(existsSync(h.file('vm1', 'ha.pid')), 'inspection removed the stale pid file');
});

simOnly('startOutcome=noPidfile: start gives up after the (scaled) pid file wait', async (t, h) => {
  await create(h);
  h.setFaults({ startOutcome: 'noPidfile' });
  const r = await h.run(['start', 'vm1']);
  t.is(r.exitCode, 1);
  t.is(r.fatal, `hostagent (\`${h.file('vm1', 'ha.pid')}\`) did not start up in 2s (hint: see \`${h.file('vm1', 'ha.stderr.log')}\`)`);
});

simOnly('bootDelayMs separates the booting and running events; sshPort fixes the port', async (t, h) => {
  await create(h);
  h.setFaults({ bootDelayMs: 400, sshPort: 2222 });
  const r = await h.run(['start', 'vm1']);
  t.is(r.exitCode, 0, r.stderr);
  t.true(r.logs.some((l) => l.msg === 'SSH Local Port: 2222'));
  const [boot, run] = haEvents(h, 'vm1') as { time: string; status: { sshLocalPort: number } }[];
  t.true(Date.parse(run?.time ?? '') - Date.parse(boot?.time ?? '') >= 400);
  t.regex(readFileSync(h.file('vm1', 'ssh.config'), 'utf8'), /Port 2222\n/);
  t.is((await h.list('vm1'))[0]?.sshLocalPort, 2222);
});

simOnly('crashHostagentAfterMs flipped mid-run: no exiting event, the driver survives ⇒ Broken until stop -f', async (t, h) => {
  await createAndStart(t, h, 'vm1');
  const ha = pidFrom(h.file('vm1', 'ha.pid'));
  const drv = pidFrom(h.file('vm1', 'qemu.pid'));
  h.faults({ instances: { vm1: { crashHostagentAfterMs: 0 } } });
  await waitFor('the hostagent to die', () => !alive(ha));
  const [row] = await h.list('vm1');
  t.is(row?.status, 'Broken');
  t.deepEqual(row?.errors, ['qemu driver is running but host agent is not']);
  t.false(haEvents(h, 'vm1').some((e) => typeof e === 'object' && (e.status as { exiting?: boolean }).exiting === true));
  t.true(alive(drv));
  const stop = await h.run(['stop', 'vm1']);
  t.regex(stop.fatal ?? '', /^expected status `Running`, got `Broken`/);
  h.faults({});
  t.is((await h.run(['stop', '-f', 'vm1'])).exitCode, 0);
  t.deepEqual(kills(h), [['driver', drv]]);
  t.is(await h.status('vm1'), 'Stopped');
});

simOnly('crashDriverAfterMs flipped mid-run: the hostagent logs the driver error, emits exiting and exits ⇒ Stopped', async (t, h) => {
  await createAndStart(t, h, 'vm1');
  const ha = pidFrom(h.file('vm1', 'ha.pid'));
  h.setFaults({ crashDriverAfterMs: 0 });
  await waitFor('the hostagent to exit', () => !alive(ha));
  t.regex(readFileSync(h.file('vm1', 'ha.stderr.log'), 'utf8'), /"msg":"Driver stopped due to error"/);
  t.deepEqual((haEvents(h, 'vm1').at(-1) as { status: unknown }).status, { exiting: true });
  t.regex(readFileSync(h.file('vm1', 'serial.log'), 'utf8'), /Kernel panic/);
  t.is(await h.status('vm1'), 'Stopped');
});

simOnly('stopHang: graceful stop fails after the scaled 3m10s; the VM keeps running; stop -f works', async (t, h) => {
  await createAndStart(t, h, 'vm1');
  const ha = pidFrom(h.file('vm1', 'ha.pid'));
  h.setFaults({ stopHang: true });
  const r = await h.run(['stop', 'vm1']);
  t.is(r.exitCode, 1);
  t.is(r.fatal, 'did not receive an event with the `exiting` status');
  t.true(h.calls().some((l) => l.kind === 'hostagent' && l.event === 'signal' && l.signal === 'SIGINT'));
  t.is(await h.status('vm1'), 'Running');
  const f = await h.run(['stop', '-f', 'vm1']);
  t.is(f.exitCode, 0);
  t.deepEqual(kills(h).map(([k]) => k), ['driver', 'hostagent']);
  t.false(alive(ha));
});

simOnly('the hostagent handles one SIGTERM; a second one is swallowed; stopDelayMs is the guest shutdown time', async (t, h) => {
  await createAndStart(t, h, 'vm1');
  h.setFaults({ stopDelayMs: 1000 });
  const ha = pidFrom(h.file('vm1', 'ha.pid'));
  const t0 = Date.now();
  const signals = () => h.calls().filter((l) => l.kind === 'hostagent' && l.event === 'signal').length;
  process.kill(ha, 'SIGTERM');
  // Two signals sent back to back can merge in the kernel: send the second once the first is seen.
  await waitFor('the first signal to be handled', () => signals() === 1);
  process.kill(ha, 'SIGTERM');
  await waitFor('the hostagent to exit', () => !alive(ha));
  t.true(Date.now() - t0 >= 1000);
  const lines = h.calls().filter((l): l is SimHostagentLine => l.kind === 'hostagent' && l.pid === ha);
  t.deepEqual(lines.map((l) => l.event), ['started', 'signal', 'signal', 'exit']);
  t.is(lines.at(-1)?.exitCode, 0);
  const exiting = haEvents(h, 'vm1').filter((e) => typeof e === 'object' && (e.status as { exiting?: boolean }).exiting === true);
  t.is(exiting.length, 1);
  t.regex(readFileSync(h.file('vm1', 'serial.log'), 'utf8'), /reboot: Power down\n$/);
  t.is(await h.status('vm1'), 'Stopped');
});

simOnly('corruptTemplate: list shows status "" with errors; start fails with "has configuration errors"', async (t, h) => {
  await create(h);
  h.faults({ instances: { vm1: { corruptTemplate: true } } });
  const [row] = await h.list('vm1');
  t.is(row?.status, '');
  t.true(Array.isArray(row?.errors));
  const r = await h.run(['start', 'vm1']);
  t.is(r.exitCode, 1);
  t.regex(r.fatal ?? '', /^instance `vm1` has configuration errors: /);
});

simOnly('corruptEvents: a non-JSON line in ha.stdout.log aborts start (as Lima\'s reader does); the VM still boots', async (t, h) => {
  await create(h);
  h.setFaults({ corruptEvents: true });
  const r = await h.run(['start', 'vm1']);
  t.is(r.exitCode, 1);
  t.regex(r.fatal ?? '', /^failed to parse hostagent event/);
  await waitFor('the running event', () => haEvents(h, 'vm1').some((e) => typeof e === 'object' && (e.status as { running?: boolean }).running === true));
  t.true(haEvents(h, 'vm1').some((e) => typeof e === 'string'));
  t.is(await h.status('vm1'), 'Running');
});

simOnly('stalePid=dead: the dead pid file is removed by inspection and start proceeds', async (t, h) => {
  await create(h);
  h.setFaults({ stalePid: 'dead' });
  const [row] = await h.list('vm1');
  t.is(row?.status, 'Stopped');
  t.false('errors' in (row ?? {}));
  t.false(existsSync(h.file('vm1', 'ha.pid')));
  const r = await h.run(['start', 'vm1']);
  t.is(r.exitCode, 0, r.stderr);
});

simOnly('stalePid=foreign: a live unrelated pid makes the instance Broken and start "seems running"; stop -f kills it', async (t, h) => {
  await create(h);
  h.setFaults({ stalePid: 'foreign' });
  const [row] = await h.list('vm1');
  t.is(row?.status, 'Broken');
  t.regex(String((row?.errors as string[] | undefined)?.[0]), /^failed to get Info from `.*ha\.sock`/);
  const foreign = pidFrom(h.file('vm1', 'ha.pid'));
  t.true(alive(foreign));
  const r = await h.run(['start', 'vm1']);
  t.regex(r.fatal ?? '', /^instance `vm1` seems running \(hint: remove `.*ha\.pid` if the instance is not actually running\)$/);
  h.faults({});
  t.is((await h.run(['stop', '-f', 'vm1'])).exitCode, 0);
  t.deepEqual(kills(h), [['hostagent', foreign]]);
  await waitFor('the foreign process to die', () => !alive(foreign));
  t.is(await h.status('vm1'), 'Stopped');
});

simOnly('haSockDead flipped mid-run: list shows Broken ("failed to get Info"), then Running again', async (t, h) => {
  await createAndStart(t, h, 'vm1');
  h.setFaults({ haSockDead: true });
  const [row] = await h.list('vm1');
  t.is(row?.status, 'Broken');
  t.regex(String((row?.errors as string[] | undefined)?.[0]), /^failed to get Info from /);
  h.setFaults({});
  t.is(await h.status('vm1'), 'Running');
});
