// The simulated VM ("driver" process, standing in for QEMU). Spawned by the hostagent with
// argv: INSTANCE_DIR PID_FILE_NAME INSTANCE_NAME. It writes its pid file and a boot log to
// serial.log, and on SIGTERM/SIGINT takes stopDelayMs to power down cleanly (`reboot: Power down`,
// pid file removed, exit 0). SIGUSR2 makes it crash (exit 1, pid file left), for crashDriverAfterMs.
import { appendFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { knobMs, loadFaults } from '../faults.js';
import { SERIAL_PANIC, SERIAL_POWER_DOWN, resolveLimaHome } from '../files.js';

const [dir = '.', pidName = 'qemu.pid', name = 'default'] = process.argv.slice(2);
const pidFile = join(dir, pidName);
const serial = join(dir, 'serial.log');

function serialLine(line: string): void {
  const secs = process.uptime().toFixed(6).padStart(12, ' ');
  appendFileSync(serial, `[${secs}] ${line}\n`);
}

writeFileSync(pidFile, `${process.pid}\n`);
serialLine(`Linux version 6.8.0-rdd-sim (rdd-limactl-sim) booting instance ${name}`);
serialLine('Command line: console=ttyS0');
serialLine(`lima-${name.replace(/[._]/g, '-')} login: (simulated)`);

// Keeps the event loop alive like a VM process; it ends only by a signal.
const keepAlive = setInterval(() => {}, 1 << 30);
let stopping = false;

function powerDown(): void {
  if (stopping) return;
  stopping = true;
  let delayMs = 100;
  try {
    delayMs = knobMs(loadFaults(resolveLimaHome(), name).stopDelayMs, 100);
  } catch {
    // An unreadable fault file must not keep the guest from shutting down.
  }
  serialLine('ACPI: Power Button [PWRF]');
  setTimeout(() => {
    serialLine(SERIAL_POWER_DOWN);
    try {
      unlinkSync(pidFile);
    } catch {
      // Already removed by someone else.
    }
    clearInterval(keepAlive);
    process.exit(0);
  }, delayMs);
}

process.on('SIGTERM', powerDown);
process.on('SIGINT', powerDown);
process.on('SIGUSR2', () => {
  serialLine(SERIAL_PANIC);
  process.exit(1);
});
