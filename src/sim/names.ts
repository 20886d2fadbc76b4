// Instance names (docs/lima.md#conventions-of-limactl): a containerd identifier (≤ 76 chars) not ending in .yml/.yaml,
// whose `<dir>/ssh.sock.<16 digits>` path fits UNIX_PATH_MAX. Messages follow dirnames/identifiers.
import { basename, join } from 'node:path';
import { Fatal, q } from './output.js';

const IDENTIFIER = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
const MAX_LENGTH = 76;
const UNIX_PATH_MAX = process.platform === 'darwin' ? 104 : 108;
const LONGEST_SOCK = 'ssh.sock.1234567890123456';

/** The error message for an invalid instance name, or undefined when it is valid. */
export function instNameError(name: string): string | undefined {
  const prefix = `instance name ${JSON.stringify(name)} is not a valid identifier: `;
  if (name === '') return `${prefix}identifier must not be empty: invalid argument`;
  if (name.length > MAX_LENGTH) {
    return `${prefix}identifier ${JSON.stringify(name)} greater than maximum length (${MAX_LENGTH} characters): invalid argument`;
  }
  if (!IDENTIFIER.test(name)) {
    return `${prefix}identifier ${JSON.stringify(name)} must match ${IDENTIFIER.source}: invalid argument`;
  }
  if (/\.ya?ml$/i.test(name)) return `instance name ${JSON.stringify(name)} must not end with .yml or .yaml suffix`;
  return undefined;
}

/** Refuses an invalid name before it becomes a path (`../x` must never reach rm -rf). */
export function assertInstName(name: string): void {
  const err = instNameError(name);
  if (err !== undefined) throw new Fatal(err);
}

/** create's socket-length check; undefined when the longest socket path fits. */
export function sockPathError(name: string, instDir: string): string | undefined {
  const longest = join(instDir, LONGEST_SOCK);
  if (longest.length < UNIX_PATH_MAX) return undefined;
  return `instance name ${q(name)} too long: ${q(longest)} must be less than UNIX_PATH_MAX=${UNIX_PATH_MAX} characters, but is ${longest.length}`;
}

/** The instance name a validate locator implies (`dir/vm1.yaml` → `vm1`), or undefined for stdin. */
export function validateInstanceName(file: string): string | undefined {
  return file === '-' ? undefined : basename(file).replace(/\.ya?ml$/i, '');
}

/** Guest hostname: `lima-` + name with `.` and `_` replaced by `-`. */
export function hostnameOf(name: string): string {
  return `lima-${name.replace(/[._]/g, '-')}`;
}
