// `npm run demo`: starts the daemon (on the Lima simulator when Lima is absent), creates and starts
// the App with live progress until Settled=True, shows what runs, then how to watch and stop.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/rdd.cjs', import.meta.url));
const rdd = (...args) => spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });

const started = rdd('start', '--timeout', '5m');
if (started.status !== 0) process.exit(started.status ?? 1);
console.log('');
rdd('service', 'status');
console.log('');
rdd('ctl', 'get', 'app');
rdd('ctl', 'get', 'limavm', '-A');
const paths = execFileSync(process.execPath, [cli, 'service', 'paths', 'daemon_log'], { encoding: 'utf8' }).trim();
console.log(`
The daemon keeps running in the background (log: ${paths}). Next:
  alias rdd="node ${cli}"
  rdd ctl get limavm -A -w          # watch the VM (Ctrl-C to stop watching)
  rdd ctl wait-condition app/app Settled --timeout 1m
  rdd set virtualMachine.cpus=1     # the VM restarts on the new template; progress until Settled
  rdd stop                          # stop the VM
  rdd delete && rdd service stop    # remove the App and its VM, then stop the daemon`);
