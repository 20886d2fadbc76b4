// Host ports are claimed per instance, so two instances never share one, whatever their names
// (issue 11, item 10: `dev`/`vde` and `2`/`02` have the same index).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { choosePort, readPortClaims } from '../../src/actors/app/port.js';
import { sshPortFor, preferredKubernetesPort } from '../../src/actors/app/template.js';
import { portClaimsFor, resolveInstance, resolvePaths } from '../../src/service/instance.js';
import { freePort } from '../helpers/ports.js';

function home(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'rdd-ports-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The claims of an instance that exists (its store file is there). */
function claimsOf(rddHome: string, name: string) {
  const inst = resolveInstance(name, {});
  const paths = resolvePaths(inst, { RDD_HOME: rddHome });
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(paths.store, '');
  return { inst, paths, claims: portClaimsFor(paths, inst) };
}

/** Holds a port busy for the rest of the test. */
async function hold(t: ExecutionContext, port = 0): Promise<number> {
  const srv: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve());
  });
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  const addr = srv.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

for (const [a, b] of [['dev', 'vde'], ['2', '02']] as const) {
  test(`instances ${a} and ${b} share an index but never a port`, async (t) => {
    const h = home(t);
    const ca = claimsOf(h, a);
    const cb = claimsOf(h, b);
    t.is(ca.inst.index, cb.inst.index, 'the names collide by index');
    // One after the other (the first VM may be stopped: nothing is bound), and both purposes.
    for (const [purpose, preferred] of [['ssh', sshPortFor(ca.inst.index)], ['kubernetes', preferredKubernetesPort(ca.inst.index)]] as const) {
      const pa = await choosePort(preferred, { claims: ca.claims, purpose });
      const pb = await choosePort(preferred, { claims: cb.claims, purpose });
      t.not(pa, pb, purpose);
    }
    const all = readPortClaims(ca.paths.portsDir);
    t.is(new Set(all.map((c) => c.port)).size, 4);
    t.deepEqual(all.filter((c) => c.instance === a).map((c) => c.purpose).sort(), ['kubernetes', 'ssh']);
    t.deepEqual(all.filter((c) => c.instance === b).map((c) => c.purpose).sort(), ['kubernetes', 'ssh']);
  });
}

test('instances choosing at the same time get distinct ports', async (t) => {
  const h = home(t);
  const names = ['dev', 'vde', 'edv', 'ved', '2', '02', '002'];
  const preferred = await freePort();
  const ports = await Promise.all(names.map((n) => choosePort(preferred, { claims: claimsOf(h, n).claims, purpose: 'ssh' })));
  t.is(new Set(ports).size, names.length);
});

test('the preferred port is taken when free, and kept even when its VM holds it later', async (t) => {
  const h = home(t);
  const { claims } = claimsOf(h, 'dev');
  const preferred = await freePort();
  const first = await choosePort(preferred, { claims, purpose: 'ssh' });
  t.is(first, preferred);
  await hold(t, first); // the VM is running and listens on it: still the same port
  t.is(await choosePort(preferred, { claims, purpose: 'ssh' }), first);
});

test('a busy preferred port falls back to a free one the OS picks', async (t) => {
  const h = home(t);
  const busy = await hold(t);
  const port = await choosePort(busy, { claims: claimsOf(h, 'dev').claims, purpose: 'kubernetes' });
  t.not(port, busy);
  t.true(port > 0);
});

test('the claims of a deleted instance are free again', async (t) => {
  const h = home(t);
  const gone = claimsOf(h, 'gone');
  const preferred = await freePort();
  t.is(await choosePort(preferred, { claims: gone.claims, purpose: 'ssh' }), preferred);
  rmSync(gone.paths.store); // `rdd service delete` removes the store
  const dev = claimsOf(h, 'dev');
  t.is(await choosePort(preferred, { claims: dev.claims, purpose: 'ssh' }), preferred);
  t.deepEqual(JSON.parse(readFileSync(join(dev.paths.portsDir, String(preferred)), 'utf8')), { instance: 'dev', purpose: 'ssh' });
});

// CI once saw two daemons started together (dev and vde, the same preferred port) end up with one
// claim file between them: one daemon read the other's claim while it was still empty, took it for
// a torn file and removed it.
/** Instance dev, and a claim file with `content` on its preferred port, written by someone else. */
async function unreadableClaim(t: ExecutionContext, content: string) {
  const dev = claimsOf(home(t), 'dev');
  const preferred = await freePort();
  mkdirSync(dev.paths.portsDir, { recursive: true });
  const file = join(dev.paths.portsDir, String(preferred));
  writeFileSync(file, content);
  return { dev, preferred, file };
}

test('a claim that is still empty (another daemon is writing it) is left alone', async (t) => {
  const { dev, preferred, file } = await unreadableClaim(t, '');
  const port = await choosePort(preferred, { claims: dev.claims, purpose: 'ssh' });
  t.not(port, preferred);
  t.is(readFileSync(file, 'utf8'), '', 'the other claim is untouched');
  t.deepEqual(readdirSync(dev.paths.portsDir).sort(), [String(preferred), String(port)].sort(), 'no staged or moved-aside file is left');
});

test('an unreadable claim left long ago (a crash mid-write) is taken over', async (t) => {
  const { dev, preferred, file } = await unreadableClaim(t, '{"inst');
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
  t.is(await choosePort(preferred, { claims: dev.claims, purpose: 'ssh' }), preferred);
  t.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { instance: 'dev', purpose: 'ssh' });
  t.deepEqual(readdirSync(dev.paths.portsDir), [String(preferred)]);
});
