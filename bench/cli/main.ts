// CLI latency: median wall time of `rdd ctl get app -o json`, `rdd service status` and
// `rdd ctl get limavm -A` against a running daemon, with `node -e 0` in the same run as the floor
// (Node's own start-up cost), interleaved; each ratio is command / floor (target 1.5).
// Prints one JSON object. Usage: node dist/bench/cli/main.js [runs]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledSimulatorPath } from '../../src/lima/driver/resolve.js';
import { resolveInstance, resolvePaths } from '../../src/service/instance.js';

const CLI = fileURLToPath(new URL('../../rdd.cjs', import.meta.url));
const runs = Number(process.argv[2] ?? 15);
const home = mkdtempSync(join(tmpdir(), 'rdb-'));
const env = { ...process.env, RDD_HOME: home, RDD_INSTANCE: 'bench', RDD_LIMACTL: bundledSimulatorPath() };

/** CPU time of this process's reaped children (user + system, clock ticks of 10 ms), from /proc. */
function childCpuTicks(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": field 3 is state, so cutime (16) and cstime (17) are at 13 and 14.
  return Number(fields[13]) + Number(fields[14]);
}
const cpuTicks: Record<string, number> = {};

/** Wall time of one run; its CPU time is added to cpuTicks[key] (summed, so ticks average out over runs). */
function time(args: readonly string[], key = ''): number {
  const c0 = childCpuTicks();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  cpuTicks[key] = (cpuTicks[key] ?? 0) + childCpuTicks() - c0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${String(r.stderr)}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (n: number) => Math.round(n * 10) / 10;

try {
  const paths = resolvePaths(resolveInstance('bench'), { RDD_HOME: home });
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(paths.configFile, JSON.stringify({ limactlEnv: { LIMA_SIM_TIME_SCALE: '0.01' }, shutdownGraceMs: 10_000 }));
  time([CLI, 'service', 'start']);
  time([CLI, 'set', 'running=false']);
  const samples = { floor: [] as number[], get: [] as number[], status: [] as number[], vms: [] as number[] };
  time([CLI, 'ctl', 'get', 'app', '-o', 'json']); // warm the file cache
  for (let i = 0; i < runs; i++) {
    // Interleaved, so load changes during the run hit every series alike.
    samples.floor.push(time(['-e', '0'], 'floor'));
    samples.get.push(time([CLI, 'ctl', 'get', 'app', '-o', 'json'], 'get'));
    samples.status.push(time([CLI, 'service', 'status'], 'status'));
    samples.vms.push(time([CLI, 'ctl', 'get', 'limavm', '-A'], 'vms'));
  }
  const floor = median(samples.floor);
  const get = median(samples.get);
  const status = median(samples.status);
  const vms = median(samples.vms);
  const ratio = (x: number) => Number((x / floor).toFixed(2));
  process.stdout.write(
    `${JSON.stringify({
      bench: 'cli',
      runs,
      nodeFloorMs: round(floor),
      ctlGetAppJsonMs: round(get),
      serviceStatusMs: round(status),
      ctlGetAppOverFloorMs: round(get - floor),
      serviceStatusOverFloorMs: round(status - floor),
      ctlGetLimavmAllMs: round(vms),
      ratios: { ctlGetAppJson: ratio(get), serviceStatus: ratio(status), ctlGetLimavmAll: ratio(vms) },
      // Mean CPU time per run (user + system), which other load on the machine changes far less than wall time.
      cpuMs: Object.fromEntries(Object.entries(cpuTicks).filter(([k]) => k !== '').map(([k, v]) => [k, round((v * 10) / runs)])),
      cpuRatios: {
        ctlGetAppJson: Number((cpuTicks.get! / cpuTicks.floor!).toFixed(2)),
        serviceStatus: Number((cpuTicks.status! / cpuTicks.floor!).toFixed(2)),
        ctlGetLimavmAll: Number((cpuTicks.vms! / cpuTicks.floor!).toFixed(2)),
      },
      target: 1.5,
      met: Math.max(get, status, vms) / floor <= 1.5,
      loadAverage1m: round(loadavg()[0] ?? 0),
    })}\n`,
  );
} finally {
  spawnSync(process.execPath, [CLI, 'service', 'stop'], { env, stdio: 'ignore' });
  rmSync(home, { recursive: true, force: true });
}
