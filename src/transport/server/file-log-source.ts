// A LogSource over plain files (the hostagent's ha.stdout.log / ha.stderr.log): reads from the
// start, then with `follow` polls for appended data until aborted. A truncated file is re-read
// from the start.
import { promises as fsp, existsSync } from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ApiError } from '../../api/index.js';
import type { LogSource } from './context.js';

export type LogStream = 'stdout' | 'stderr';

export interface FileLogSourceOptions {
  /** How often a followed file is checked for new data (default 150 ms). */
  readonly pollMs?: number;
}

/**
 * `pathOf(name, stream)` names the log file of an instance. An instance whose directory (the
 * file's parent) does not exist is NotFound; a missing file in an existing directory is empty
 * (and followed until it appears).
 */
export function fileLogSource(pathOf: (name: string, stream: LogStream) => string, o: FileLogSourceOptions = {}): LogSource {
  const pollMs = o.pollMs ?? 150;
  return {
    open(name, { stream, follow, signal }) {
      const file = pathOf(name, stream);
      if (!existsSync(path.dirname(file))) {
        throw new ApiError(404, 'NotFound', `instance "${name}" not found (no directory ${path.dirname(file)})`, { name });
      }
      return tail(file, follow, signal, pollMs);
    },
  };
}

const CHUNK = 64 * 1024;

async function* tail(file: string, follow: boolean, signal: AbortSignal, pollMs: number): AsyncGenerator<string> {
  let fh: fsp.FileHandle | undefined;
  let offset = 0;
  let decoder = new StringDecoder('utf8');
  let partial = '';
  const buf = Buffer.alloc(CHUNK);
  try {
    for (;;) {
      if (signal.aborted) return;
      if (!fh) {
        try {
          fh = await fsp.open(file, 'r');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
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
