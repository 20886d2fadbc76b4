// Lifecycle overhead: each rdd lifecycle command, waited until its conditions hold, beside the
// same Lima work done directly with the simulator (the floor), in one run and one process tree,
// on the simulator with its default knobs (boot 200 ms, power-down 100 ms, no time scale).
// Rounds interleave floor and rdd, so load changes hit both alike; figures are medians.
// For every rdd command it also prints where the time went: the limactl calls the daemon made
// (from the simulator's calls log) and the rest (CLI, daemon, polling, condition round trips).
// Prints one JSON object. Usage: node dist/bench/lifecycle/main.js [rounds]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledSimulatorPath } from '../../src/lima/driver/resolve.js';
import { readSimCalls, type SimCallLine } from '../../src/sim/paths.js';
import { resolveInstance, resolvePaths } from '../../src/service/instance.js';

const CLI = fileURLToPath(new URL('../../rdd.cjs', import.meta.url));
const SIM = bundledSimulatorPath();
const rounds = Number(process.argv[2] ?? 5);
const home = mkdtempSync(join(tmpdir(), 'rdl-'));
// The floor's LIMA_HOME; the daemon uses its instance's own (paths.limaHome).
const floorLima = join(home, 'lima-floor');
const base: NodeJS.ProcessEnv = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('RDD_') && !k.startsWith('LIMA_')) base[k] = v;
const rddEnv = { ...base, RDD_HOME: home, RDD_INSTANCE: 'lc', RDD_LIMACTL: SIM };
const limaEnv = { ...base, LIMA_HOME: floorLima };
const TEMPLATE = join(home, 'vm.yaml');

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: home });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${String(r.status)}: ${String(r.stderr)}`);
  return ms;
}
const limactl = (...args: string[]): number => run(process.execPath, [SIM, ...args], limaEnv);
const rdd = (...args: string[]): number => run(process.execPath, [CLI, ...args], rddEnv);

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (n: number): number => Math.round(n * 10) / 10;

interface Step {
  readonly ms: number;
  /** limactl invocations the daemon made during the step: command → total ms. */
  readonly limactl: Record<string, number>;
}

/** Runs an rdd command and collects the daemon's limactl calls that overlapped it. */
function rddStep(limaHome: string, ...args: string[]): Step {
  const from = Date.now();
  const ms = rdd(...args);
  const to = Date.now();
  const calls = readSimCalls(limaHome).filter((c): c is SimCallLine => c.kind === 'call' && c.start >= from && c.end <= to);
  const limactlMs: Record<string, number> = {};
  for (const c of calls) {
    const key = c.cmd;
    limactlMs[key] = (limactlMs[key] ?? 0) + (c.end - c.start);
    limactlMs[`${key}#`] = (limactlMs[`${key}#`] ?? 0) + 1;
  }
  return { ms, limactl: limactlMs };
}

interface Pair {
  floor: number[];
  rdd: number[];
  breakdown: Record<string, number>[];
}
const pairs: Record<string, Pair> = {};
const pair = (name: string): Pair => (pairs[name] ??= { floor: [], rdd: [], breakdown: [] });

try {
  const paths = resolvePaths(resolveInstance('lc'), { RDD_HOME: home });
  mkdirSync(paths.dir, { recursive: true });
  // Default knobs: no limactlEnv at all. A long shutdown grace, so stopping the daemon at the
  // end is graceful.
  writeFileSync(paths.configFile, JSON.stringify({ shutdownGraceMs: 30_000 }));
  writeFileSync(TEMPLATE, 'images:\n- location: /etc/profile\ncpus: 1\nmemory: 1GiB\ndisk: 2GiB\n');
  mkdirSync(floorLima, { recursive: true });
  rdd('service', 'start');
  // The App, stopped, so `rdd start` below starts an existing VM (as `limactl start` does).
  rdd('set', 'running=false');

  // The host has 2 CPUs on the CI machines: toggle between 1 and 2.
  let cpus = 2;
  for (let i = 0; i < rounds; i++) {
    // create + start
    const name = `f${i}`;
    pair('createStart').floor.push(limactl('create', `--name=${name}`, '--tty=false', TEMPLATE) + limactl('start', '--tty=false', name));
    const c = rddStep(paths.limaHome, 'limavm', 'create', `v${i}`, TEMPLATE, '--start');
    pair('createStart').rdd.push(c.ms);
    pair('createStart').breakdown.push(c.limactl);

    // stop of a running VM
    pair('limavmStop').floor.push(limactl('stop', '--tty=false', name));
    const s = rddStep(paths.limaHome, 'limavm', 'stop', `v${i}`);
    pair('limavmStop').rdd.push(s.ms);
    pair('limavmStop').breakdown.push(s.limactl);

    // App start of a stopped VM: the floor is `limactl start` of an existing instance.
    pair('appStart').floor.push(limactl('start', '--tty=false', name));
    const a = rddStep(paths.limaHome, 'start');
    pair('appStart').rdd.push(a.ms);
    pair('appStart').breakdown.push(a.limactl);

    // Template change of a running VM: stop, edit, start.
    cpus = cpus === 2 ? 1 : 2;
    pair('appSetCpus').floor.push(limactl('stop', '--tty=false', name) + limactl('edit', '--tty=false', `--cpus=${cpus}`, name) + limactl('start', '--tty=false', name));
    const e = rddStep(paths.limaHome, 'set', `virtualMachine.cpus=${cpus}`);
    pair('appSetCpus').rdd.push(e.ms);
    pair('appSetCpus').breakdown.push(e.limactl);

    // App stop of a running VM.
    pair('appStop').floor.push(limactl('stop', '--tty=false', name));
    const p = rddStep(paths.limaHome, 'stop');
    pair('appStop').rdd.push(p.ms);
    pair('appStop').breakdown.push(p.limactl);

    limactl('delete', '--tty=false', '-f', name);
    rdd('ctl', 'delete', 'limavm', `v${i}`);
  }

  const result: Record<string, unknown> = { bench: 'lifecycle', rounds, target: 1.3 };
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(pairs)) {
    const floor = median(p.floor);
    const rddMs = median(p.rdd);
    const keys = [...new Set(p.breakdown.flatMap((b) => Object.keys(b)))].sort();
    const limactlMs = Object.fromEntries(keys.map((k) => [k, round(median(p.breakdown.map((b) => b[k] ?? 0)))]));
    out[name] = { floorMs: round(floor), rddMs: round(rddMs), ratio: Number((rddMs / floor).toFixed(2)), overMs: round(rddMs - floor), daemonLimactlMs: limactlMs };
  }
  result.pairs = out;
  result.met = Object.values(out).every((x) => (x as { ratio: number }).ratio <= 1.3);
  result.loadAverage1m = round(loadavg()[0] ?? 0);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  spawnSync(process.execPath, [CLI, 'service', 'stop'], { env: rddEnv, stdio: 'ignore' });
  // Floor instances left by a failed round.
  spawnSync(process.execPath, [SIM, 'delete', '-f', '--tty=false', ...Array.from({ length: rounds }, (_, i) => `f${i}`)], { env: limaEnv, stdio: 'ignore' });
  rmSync(home, { recursive: true, force: true });
}
