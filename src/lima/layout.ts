// Lima's on-disk layout, and rdd's own files beside it: the one place that knows file names under
// LIMA_HOME (docs/lima.md#on-disk-layout). Everything outside src/lima asks the driver instead.
import { join } from 'node:path';

/** File names inside an instance directory `<LIMA_HOME>/<name>/`. */
export const INSTANCE_FILES = {
  limaYaml: 'lima.yaml',
  haPid: 'ha.pid',
  haSock: 'ha.sock',
  haStdout: 'ha.stdout.log',
  haStderr: 'ha.stderr.log',
  serialLog: 'serial.log',
  /** rdd's ownership marker: the uid of the LimaVM that created or adopted the instance. */
  ownerMarker: 'rdd-owner',
} as const;

/**
 * rdd's directory beside the instances. `_`-prefixed names are reserved by Lima and skipped by
 * `limactl list`. The `.preparing` sentinel lives here, not in the instance directory, because
 * `limactl create` refuses a directory that already exists.
 */
export const RDD_DIR_NAME = '_rdd';

export function instanceDir(limaHome: string, name: string): string {
  return join(limaHome, name);
}

export function instanceFile(limaHome: string, name: string, file: keyof typeof INSTANCE_FILES): string {
  return join(limaHome, name, INSTANCE_FILES[file]);
}

/** `<vmType>.pid`, written by the VM driver process. */
export function driverPidFileName(vmType: string): string {
  return `${vmType}.pid`;
}

export function rddDir(limaHome: string): string {
  return join(limaHome, RDD_DIR_NAME);
}

/** `<LIMA_HOME>/_rdd/<name>.preparing`: holds the uid of the LimaVM whose create is in progress. */
export function sentinelPath(limaHome: string, name: string): string {
  return join(rddDir(limaHome), `${name}.preparing`);
}

/** Directory entries of LIMA_HOME that are not instances (Lima's and rdd's reserved names). */
export function isReservedEntry(entry: string): boolean {
  return entry.startsWith('_') || entry.startsWith('.');
}
