// The gateway's TCP port, kept across restarts when none is configured: the status page's origin
// includes the port, so a daemon that comes back on the same port lets an open page reconnect by
// itself (docs/dashboard.md). Taken by something else meanwhile: the OS picks a new one.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from '../log.js';

export function readLastPort(file: string): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : 0;
  } catch {
    return 0;
  }
}

export function writeLastPort(file: string, port: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${port}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Runs `start` on the configured port; with none, on the last port first, then on any. */
export async function withPreferredPort<T>(configured: number, file: string, log: Logger, start: (port: number) => Promise<T>): Promise<T> {
  const last = configured === 0 ? readLastPort(file) : 0;
  if (last === 0) return start(configured);
  try {
    return await start(last);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    log.info({ port: last }, 'the last gateway port is taken; letting the OS pick one (an open status page must sign in again)');
    return start(0);
  }
}
