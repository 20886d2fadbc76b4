// Booting instances: start, the files per state (lima.md §7.3), the event stream (§3.3), list of a
// running instance, shell, graceful and forced stop, delete -f, and what a killed `start` leaves.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { bootTemplate, contract, createAndStart, quoted, registerLeakCheck, simOnly } from './contract.js';
import { haEvents, pidFrom, waitFor } from '../helpers/sim.js';
import type { SimHostagentLine, SimKillLine } from '../../../src/sim/paths.js';

registerLeakCheck();

function pgid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function getInfo(sock: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, path: '/v1/info' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

contract(
  'start boots the instance: READY, files of a running instance, events, list Running',
  async (t, h) => {
    t.is((await h.run(['create', '--name', 'vm1', '-'], { input: bootTemplate(h) })).exitCode, 0);
    const before = Date.now();
    const r = await h.run(['start', 'vm1']);
    t.is(r.exitCode, 0, r.stderr);
    t.is(r.stdout, '');
    t.true(r.logs.some((l) => l.msg === 'READY. Run `limactl shell vm1` to open the shell.'));
    t.true(r.logs.some((l) => l.msg.startsWith('[hostagent] ')));
    const portLine = r.logs.find((l) => /^SSH Local Port: \d+$/.test(l.msg));
    const port = Number(portLine?.msg.split(': ')[1]);
    t.true(port > 0);
    for (const f of ['ha.pid', 'ha.sock', 'qemu.pid', 'cidata.iso', 'ssh.config', 'serial.log', 'ha.stdout.log', 'ha.stderr.log']) {
      t.true(existsSync(h.file('vm1', f)), f);
    }
    t.true(statSync(h.file('vm1', 'ha.sock')).isSocket());
    t.regex(readFileSync(h.file('vm1', 'ssh.config'), 'utf8'), new RegExp(`^\\s*Port ${port}$`, 'm'));
    const ha = pidFrom(h.file('vm1', 'ha.pid'));
    const drv = pidFrom(h.file('vm1', 'qemu.pid'));
    t.true(ha > 0 && drv > 0);
    t.is(pgid(ha), ha, 'the hostagent leads its own process group');
    const events = haEvents(h, 'vm1') as { time: string; status: Record<string, unknown> }[];
    t.deepEqual(events[0]?.status, { sshLocalPort: port });
    t.like(events.at(-1)?.status, { running: true, sshLocalPort: port });
    for (const e of events) t.true(Date.parse(e.time) >= before - 1000, e.time);
    const [row] = await h.list('vm1');
    t.like(row, { status: 'Running', hostAgentPID: ha, driverPID: drv, sshLocalPort: port });
    const info = await getInfo(h.file('vm1', 'ha.sock'));
    t.is(info.status, 200);
    t.is((JSON.parse(info.body) as { sshLocalPort: number }).sshLocalPort, port);
    if (h.isSim) {
      const started = h.calls().filter((l): l is SimHostagentLine => l.kind === 'hostagent' && l.event === 'started');
      t.deepEqual(started.map((l) => [l.instance, l.pid]), [['vm1', ha]]);
    }
  },
  { boots: true },
);

contract(
  'start of a running instance succeeds and says so; shell runs a command and returns its status',
  async (t, h) => {
    await createAndStart(t, h, 'vm1');
    const again = await h.run(['start', 'vm1']);
    t.is(again.exitCode, 0);
    t.true(again.logs.some((l) => new RegExp(`^The instance ${quoted('vm1')} is already running\\.`).test(l.msg)));
    const echo = await h.run(['shell', 'vm1', 'echo', 'hello']);
    t.is(echo.exitCode, 0);
    t.is(echo.stdout, 'hello\n');
    t.is((await h.run(['shell', 'vm1', 'sh', '-c', 'exit 7'])).exitCode, 7);
  },
  { boots: true },
);

contract(
  'graceful stop: exiting event, pid and socket files gone, logs kept, Stopped with the last ssh port',
  async (t, h) => {
    await createAndStart(t, h, 'vm1');
    const ha = pidFrom(h.file('vm1', 'ha.pid'));
    const port = (await h.list('vm1'))[0]?.sshLocalPort;
    const r = await h.run(['stop', 'vm1']);
    t.is(r.exitCode, 0, r.stderr);
    t.true(r.logs.some((l) => l.msg === `Sending SIGINT to hostagent process ${ha}`));
    const events = haEvents(h, 'vm1') as { status: Record<string, unknown> }[];
    t.deepEqual(events.at(-1)?.status, { exiting: true });
    for (const f of ['ha.pid', 'ha.sock', 'qemu.pid']) t.false(existsSync(h.file('vm1', f)), f);
    for (const f of ['ha.stdout.log', 'ha.stderr.log', 'ssh.config', 'serial.log', 'disk']) t.true(existsSync(h.file('vm1', f)), f);
    const [row] = await h.list('vm1');
    t.like(row, { status: 'Stopped', sshLocalPort: port });
    t.false('hostAgentPID' in (row ?? {}));
    if (h.isSim) {
      t.regex(readFileSync(h.file('vm1', 'serial.log'), 'utf8'), /reboot: Power down\n$/);
      t.deepEqual(h.calls().filter((l) => l.kind === 'kill'), [], 'a graceful stop kills nothing');
      const exit = h.calls().find((l): l is SimHostagentLine => l.kind === 'hostagent' && l.event === 'exit');
      t.like(exit, { pid: ha, exitCode: 0 });
    }
  },
  { boots: true },
);

contract(
  'start after stop recreates the hostagent logs and boots again',
  async (t, h) => {
    await createAndStart(t, h, 'vm1');
    t.is((await h.run(['stop', 'vm1'])).exitCode, 0);
    const r = await h.run(['start', 'vm1']);
    t.is(r.exitCode, 0, r.stderr);
    const events = haEvents(h, 'vm1') as { status: Record<string, unknown> }[];
    t.false(events.some((e) => e.status.exiting === true), 'the previous run\'s events are gone');
    t.is(await h.status('vm1'), 'Running');
  },
  { boots: true },
);

contract(
  'stop -f kills the driver and the hostagent, removes pid and socket files, writes no exiting event',
  async (t, h) => {
    await createAndStart(t, h, 'vm1');
    const ha = pidFrom(h.file('vm1', 'ha.pid'));
    const drv = pidFrom(h.file('vm1', 'qemu.pid'));
    const r = await h.run(['stop', '-f', 'vm1']);
    t.is(r.exitCode, 0, r.stderr);
    await waitFor('both processes to die', () => !isLive(ha) && !isLive(drv));
    for (const f of ['ha.pid', 'ha.sock', 'qemu.pid']) t.false(existsSync(h.file('vm1', f)), f);
    t.false((haEvents(h, 'vm1') as { status: Record<string, unknown> }[]).some((e) => e.status.exiting === true));
    t.is(await h.status('vm1'), 'Stopped');
    if (h.isSim) {
      const kills = h.calls().filter((l): l is SimKillLine => l.kind === 'kill');
      t.deepEqual(kills.map((k) => [k.target, k.pid, k.signal]), [['driver', drv, 'SIGKILL'], ['hostagent', ha, 'SIGKILL']]);
    }
  },
  { boots: true },
);

function isLive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

contract(
  'delete of a running instance needs -f; delete -f stops it and removes the directory',
  async (t, h) => {
    await createAndStart(t, h, 'vm1');
    const ha = pidFrom(h.file('vm1', 'ha.pid'));
    const r = await h.run(['delete', 'vm1']);
    t.is(r.exitCode, 1);
    t.regex(r.fatal ?? '', new RegExp(`^failed to delete instance ${quoted('vm1')}: expected status ${quoted('Stopped')}, got ${quoted('Running')}$`));
    const f = await h.run(['delete', '-f', 'vm1']);
    t.is(f.exitCode, 0, f.stderr);
    t.false(existsSync(h.dir('vm1')));
    await waitFor('the hostagent to die', () => !isLive(ha));
  },
  { boots: true },
);

simOnly('start of a missing instance creates it from template:default and fails the offline download', async (t, h) => {
  const r = await h.run(['start', 'ghost']);
  t.is(r.exitCode, 1);
  t.true(r.logs.some((l) => l.level === 'warning' && l.msg === 'This form is deprecated. Use `limactl create --name=ghost template:default` instead'));
  t.regex(r.fatal ?? '', /^failed to download the image/);
  t.true(existsSync(h.file('ghost', 'lima.yaml')));
  t.false(existsSync(h.file('ghost', 'disk')));
  t.is(await h.status('ghost'), 'Stopped');
  const again = await h.run(['start', 'ghost']);
  t.regex(again.fatal ?? '', /^failed to download the image/, 'a later start retries the download');
});

simOnly('a SIGTERM to `limactl start` is logged in the calls log and leaves the hostagent booting', async (t, h) => {
  t.is((await h.run(['create', '--name', 'vm1', '-'], { input: bootTemplate(h) })).exitCode, 0);
  h.setFaults({ bootDelayMs: 1500 });
  const ac = new AbortController();
  const running = h.run(['start', 'vm1'], { cancelSignal: ac.signal });
  await waitFor('ha.pid', () => pidFrom(h.file('vm1', 'ha.pid')));
  ac.abort();
  const r = await running;
  t.is(r.signal, 'SIGTERM');
  const [call] = h.callLines('start');
  t.like(call, { exitCode: null, signal: 'SIGTERM', instance: 'vm1' });
  await waitFor('the running event', () => haEvents(h, 'vm1').some((e) => typeof e === 'object' && (e.status as { running?: boolean }).running === true));
  t.is(await h.status('vm1'), 'Running');
  t.is((await h.run(['stop', 'vm1'])).exitCode, 0);
});

simOnly('instances boot independently and in parallel', async (t, h) => {
  for (const n of ['a1', 'a2']) t.is((await h.run(['create', '--name', n, '-'], { input: bootTemplate(h) })).exitCode, 0);
  h.setFaults({ bootDelayMs: 800 });
  const [r1, r2] = await Promise.all([h.run(['start', 'a1']), h.run(['start', 'a2'])]);
  t.is(r1.exitCode, 0, r1.stderr);
  t.is(r2.exitCode, 0, r2.stderr);
  const [c1, c2] = h.callLines('start');
  t.truthy(c1 && c2);
  t.true((c1?.start ?? 0) < (c2?.end ?? 0) && (c2?.start ?? 0) < (c1?.end ?? 0), 'the two starts overlap');
  t.deepEqual((await h.list()).map((r) => r.status), ['Running', 'Running']);
});
