// A port for a test to use a moment later. An OS-picked port (listen on 0) races with every
// parallel test process: the kernel may hand the same port to the next port-0 bind before the
// test uses it (CI saw it). A port below the ephemeral range can only be taken by an explicit
// bind, and the daemon's own bases (7441+, 52000+) lie outside the band picked here.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const BAND_LOW = 10000;

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > BAND_LOW + 100 ? low : 32768;
  } catch {
    return 32768;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port free now, below the kernel's ephemeral range. */
export async function freePort(): Promise<number> {
  const top = Math.min(ephemeralLow(), 32768);
  for (let i = 0; i < 200; i++) {
    const port = BAND_LOW + Math.floor(Math.random() * (top - BAND_LOW));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${BAND_LOW}–${top - 1}`);
}
