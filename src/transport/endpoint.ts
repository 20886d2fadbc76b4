// The endpoint file: where the gateway listens and the token to use. Written atomically
// (temp file + rename) with mode 0600, so a reader never sees a half-written token.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiError } from '../api/index.js';
import type { EndpointInfo } from './protocol.js';

/**
 * Writes `text` to `file` atomically (temp file + fsync + rename) with mode exactly 0600, so a
 * reader never sees a half-written secret. Shared by every file that holds the token or a key.
 */
export function writePrivateFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    // The mode given to open() is masked by the umask; make sure it is exactly 0600.
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeEndpointFile(file: string, info: EndpointInfo): void {
  writePrivateFile(file, `${JSON.stringify(info, null, 2)}\n`);
}

/** Reads and checks the endpoint file. A missing file means no daemon: 503 ServiceUnavailable. */
export function readEndpointFile(file: string): EndpointInfo {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ApiError(503, 'ServiceUnavailable', `the rdd daemon is not running (no endpoint file at ${file}); start it with "rdd service start"`, {
        causes: [{ reason: 'DaemonNotRunning', message: `${file} does not exist` }],
      });
    }
    throw e;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ApiError(503, 'ServiceUnavailable', `the endpoint file ${file} is not valid JSON; restart the daemon with "rdd service start"`);
  }
  const o = v as Partial<EndpointInfo> | null;
  if (
    !o ||
    typeof o.url !== 'string' ||
    typeof o.token !== 'string' ||
    typeof o.socketPath !== 'string' ||
    typeof o.protocol !== 'number' ||
    typeof o.pid !== 'number'
  ) {
    throw new ApiError(503, 'ServiceUnavailable', `the endpoint file ${file} is incomplete; restart the daemon with "rdd service start"`);
  }
  return { url: o.url, token: o.token, socketPath: o.socketPath, protocol: o.protocol, pid: o.pid };
}

/** Removes the endpoint file only if it is still ours (a newer daemon may have replaced it). */
export function removeEndpointFile(file: string, token: string): void {
  try {
    if (readEndpointFile(file).token === token) fs.rmSync(file, { force: true });
  } catch {
    // Missing or unreadable: nothing of ours to remove.
  }
}
