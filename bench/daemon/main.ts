// Daemon start-up: `rdd service start` until `hello` answers, beside the CLI's own start-up
// (`rdd ctl get app -o json` against a running daemon) measured in the same run, interleaved.
// Then, with N standalone VMs running on the simulator (default knobs) and the daemon killed
// (SIGKILL: its hostagents live on), the start-up again and the time until every hostagent is
// re-adopted (the daemon logged adopting each, and every VM reports Running=True), for each N.
// Prints one JSON object. Usage: node dist/bench/daemon/main.js [runs] [N,N,...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledSimulatorPath } from '../../src/lima/driver/resolve.js';
import { resolveInstance, resolvePaths } from '../../src/service/instance.js';

const CLI = fileURLToPath(new URL('../../rdd.cjs', import.meta.url));
const runs = Number(process.argv[2] ?? 7);
const sizes = (process.argv[3] ?? '10,100').split(',').map(Number);
const home = mkdtempSync(join(tmpdir(), 'rdd-bench-daemon-'));
const base: NodeJS.ProcessEnv = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('RDD_') && !k.startsWith('LIMA_')) base[k] = v;
const env = { ...base, RDD_HOME: home, RDD_INSTANCE: 'bd', RDD_LIMACTL: bundledSimulatorPath() };
const paths = resolvePaths(resolveInstance('bd'), { RDD_HOME: home });

function rdd(...args: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: home, maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`rdd ${args.join(' ')} exited ${String(r.status)}: ${String(r.stderr)}`);
  return { ms, stdout: String(r.stdout) };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (n: number): number => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function daemonPid(): number {
  return Number(readFileSync(paths.pidFile, 'utf8').trim().split(/\s+/)[0]);
}

interface Cond {
  type: string;
  status: string;
}
function runningVMs(): number {
  const list = JSON.parse(rdd('ctl', 'get', 'limavm', '-A', '-o', 'json').stdout) as { items: { status?: { conditions?: Cond[] } }[] };
  return list.items.filter((vm) => vm.status?.conditions?.some((c) => c.type === 'Running' && c.status === 'True')).length;
}

function adoptionsSince(t: number): number {
  let n = 0;
  for (const line of readFileSync(paths.daemonLog, 'utf8').split('\n')) {
    if (!line.includes('adopting it')) continue;
    try {
      if ((JSON.parse(line) as { time: number }).time >= t) n++;
    } catch {
      // a partial last line
    }
  }
  return n;
}

/** Live processes whose command line or environment mentions this bench's home: all ours. */
function processesOfHome(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let cmd = '';
    let environ = '';
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      environ = readFileSync(`/proc/${d}/environ`, 'utf8');
    } catch {
      continue;
    }
    if (cmd !== '' && (cmd.includes(home) || environ.includes(`RDD_HOME=${home}`) || environ.includes(`LIMA_HOME=${paths.limaHome}`))) out.push(Number(d));
  }
  return out;
}

async function adoption(n: number): Promise<Record<string, number>> {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t${i}\n  namespace: default\ndata:\n  template: |\n    images:\n    - location: /etc/profile\n    cpus: 1\n    memory: 1GiB\n    disk: 2GiB\n`);
    docs.push(`apiVersion: lima.rancherdesktop.io/v1alpha1\nkind: LimaVM\nmetadata:\n  name: a${n}-${i}\n  namespace: default\nspec:\n  templateRef:\n    name: t${i}\n  running: true\n`);
  }
  const file = join(home, `vms-${n}.yaml`);
  writeFileSync(file, docs.join('---\n'));
  rdd('ctl', 'apply', '-f', file);
  const bootDeadline = Date.now() + 600_000;
  while (runningVMs() < n) {
    if (Date.now() > bootDeadline) throw new Error(`${n} VMs did not all start`);
    await sleep(500);
  }
  process.kill(daemonPid(), 'SIGKILL');
  await sleep(200);
  const t0 = Date.now();
  const start = rdd('service', 'start').ms;
  const deadline = Date.now() + 600_000;
  while (adoptionsSince(t0) < n || runningVMs() < n) {
    if (Date.now() > deadline) throw new Error(`${n} hostagents were not re-adopted`);
    await sleep(50);
  }
  const adopted = Date.now() - t0;
  // A graceful stop of the daemon stops every VM; the next size starts from an empty store.
  rdd('service', 'stop', '--timeout', '10m');
  rmSync(paths.dir, { recursive: true, force: true });
  prepare();
  rdd('service', 'start');
  return { vms: n, startToHelloMs: round(start), startToAllAdoptedMs: round(adopted), adoptedPerVmMs: round(adopted / n) };
}

function prepare(): void {
  mkdirSync(paths.dir, { recursive: true });
  // Default simulator knobs; a long grace so the final stop is graceful.
  writeFileSync(paths.configFile, JSON.stringify({ shutdownGraceMs: 120_000 }));
}

try {
  prepare();
  rdd('service', 'start');
  rdd('set', 'running=false');
  rdd('ctl', 'get', 'app', '-o', 'json'); // warm the file cache
  const cli: number[] = [];
  const start: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Interleaved: the CLI figure and the start-up figure see the same load.
    cli.push(rdd('ctl', 'get', 'app', '-o', 'json').ms);
    rdd('service', 'stop');
    start.push(rdd('service', 'start').ms);
  }
  const cliMs = median(cli);
  const startMs = median(start);
  const withVMs = [];
  for (const n of sizes) withVMs.push(await adoption(n));
  const first = withVMs[0];
  const lastSize = withVMs.at(-1);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'daemon',
      runs,
      cliStartupMs: round(cliMs),
      serviceStartToHelloMs: round(startMs),
      ratio: Number((startMs / cliMs).toFixed(2)),
      target: 2,
      met: startMs / cliMs <= 2,
      withVMs,
      /** Per-VM adoption time at the largest size over that at the smallest: 1 means linear. */
      adoptionGrowth: first && lastSize && first !== lastSize ? Number((lastSize.adoptedPerVmMs! / first.adoptedPerVmMs!).toFixed(2)) : null,
      loadAverage1m: round(loadavg()[0] ?? 0),
    })}\n`,
  );
} finally {
  spawnSync(process.execPath, [CLI, 'service', 'stop', '--timeout', '10m'], { env, stdio: 'ignore' });
  for (const pid of processesOfHome()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(home, { recursive: true, force: true });
}
