// A LogSource over the hostagent's log files (<lima home>/<instance>/ha.stdout.log, ha.stderr.log):
// reads from the start, then with `follow` polls for appended data until aborted. A truncated file
// is re-read from the start.
//
// The name comes from a client, so it is a security boundary: the path is built only from a name
// that is a valid Lima instance name (no "/", no "..", no NUL), the instance directory must really
// be <lima home>/<name> once symlinks are resolved, and the log file itself is opened without
// following a symlink. Every refusal has the same message, so a client cannot probe the disk.
import { constants, promises as fsp, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ApiError, errors, limaInstanceNameErrors } from '../../api/index.js';
import { INSTANCE_FILES } from '../../lima/layout.js';
import type { LogSource } from './context.js';

export type LogStream = 'stdout' | 'stderr';

export interface FileLogSourceOptions {
  /** How often a followed file is checked for new data (default 150 ms). */
  readonly pollMs?: number;
}

/** The one error for a name whose instance cannot be read, whatever the reason (no probing). */
export function noInstance(name: string): ApiError {
  return new ApiError(404, 'NotFound', `LimaVM "${name}" has no Lima instance to read logs from`, { name, kind: 'LimaVM' });
}

/**
 * Logs under `limaHome`. An instance whose directory does not exist, or resolves outside
 * `limaHome`, is NotFound; a missing file in a real instance directory is empty (and followed
 * until it appears).
 */
export function fileLogSource(limaHome: string, o: FileLogSourceOptions = {}): LogSource {
  const pollMs = o.pollMs ?? 150;
  return {
    open(name, { stream, follow, signal }) {
      const problems = limaInstanceNameErrors(name);
      if (problems.length > 0) throw errors.badRequest(`invalid LimaVM name ${JSON.stringify(name)}: ${problems.join('; ')}`);
      const dir = instanceDir(limaHome, name);
      if (dir === undefined) throw noInstance(name);
      return tail(path.join(dir, stream === 'stdout' ? INSTANCE_FILES.haStdout : INSTANCE_FILES.haStderr), follow, signal, pollMs, name);
    },
  };
}

/** <lima home>/<name> with symlinks resolved, or undefined when it is missing or lies elsewhere. */
function instanceDir(limaHome: string, name: string): string | undefined {
  try {
    const home = realpathSync(limaHome);
    const dir = realpathSync(path.join(home, name));
    return dir === path.join(home, name) ? dir : undefined;
  } catch {
    return undefined;
  }
}

const CHUNK = 64 * 1024;

async function* tail(file: string, follow: boolean, signal: AbortSignal, pollMs: number, name: string): AsyncGenerator<string> {
  let fh: fsp.FileHandle | undefined;
  let offset = 0;
  let decoder = new StringDecoder('utf8');
  let partial = '';
  const buf = Buffer.alloc(CHUNK);
  try {
    for (;;) {
      if (signal.aborted) return;
      if (!fh) {
        fh = await openLog(file, name);
      }
      if (fh) {
        const { size } = await fh.stat();
        if (size < offset) {
          offset = 0;
          partial = '';
          decoder = new StringDecoder('utf8');
        }
        while (offset < size && !signal.aborted) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - offset), offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          const parts = (partial + decoder.write(buf.subarray(0, bytesRead))).split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) yield line.endsWith('\r') ? line.slice(0, -1) : line;
        }
      }
      if (!follow) {
        const rest = partial + decoder.end();
        if (rest) yield rest;
        return;
      }
      await sleep(pollMs, signal);
    }
  } finally {
    await fh?.close();
  }
}

/** The open log file, undefined when it does not exist yet; anything but a regular file is refused. */
async function openLog(file: string, name: string): Promise<fsp.FileHandle | undefined> {
  let fh: fsp.FileHandle;
  try {
    // O_NOFOLLOW: a symlinked log file is refused (ELOOP); O_NONBLOCK: a FIFO cannot hang the open.
    fh = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw noInstance(name);
  }
  if (!(await fh.stat()).isFile()) {
    await fh.close();
    throw noInstance(name);
  }
  return fh;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
