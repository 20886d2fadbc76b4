// File names inside an instance directory (docs/lima.md#on-disk-layout) and where LIMA_HOME is.
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const FILES = {
  limaYaml: 'lima.yaml',
  limaVersion: 'lima-version',
  cloudConfig: 'cloud-config.yaml',
  disk: 'disk',
  haPid: 'ha.pid',
  haSock: 'ha.sock',
  haStdout: 'ha.stdout.log',
  haStderr: 'ha.stderr.log',
  sshConfig: 'ssh.config',
  cidata: 'cidata.iso',
  serialLog: 'serial.log',
  protected: 'protected',
} as const;

/** The guest's last serial.log line after a clean shutdown (tests check it). */
export const SERIAL_POWER_DOWN = 'reboot: Power down';
/** The serial.log line of a simulated driver crash (crashDriverAfterMs). */
export const SERIAL_PANIC = 'Kernel panic - not syncing: simulated driver crash';

/** `<vmType>.pid`, written by the driver process. */
export function driverPidFile(vmType: string): string {
  return `${vmType}.pid`;
}

/** $LIMA_HOME (default ~/.lima), symlinks resolved when it exists. */
export function resolveLimaHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.LIMA_HOME !== undefined && env.LIMA_HOME !== '' ? env.LIMA_HOME : join(homedir(), '.lima');
  try {
    return realpathSync(home);
  } catch {
    return home;
  }
}

export function instDir(limaHome: string, name: string): string {
  return join(limaHome, name);
}
