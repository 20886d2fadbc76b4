// Host port selection (the Kubernetes API port, the VM's SSH port): the instance's own port when
// it is free, else one the OS picks. A bind check alone cannot keep two instances apart (the
// other instance's VM may be stopped right now), and instance indexes collide (`dev`/`vde`,
// `2`/`02`), so every chosen port is also *claimed*: one file per port in a directory shared by
// all instances under one RDD_HOME, created exclusively. A claim is kept for the instance's life
// and reused without a bind check (its own running VM holds the port), so the choice is stable.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';

export type PortPurpose = 'ssh' | 'kubernetes';

/** Where and for whom ports are claimed. */
export interface PortClaims {
  /** Shared by every instance under one RDD_HOME: one file per claimed port. */
  readonly dir: string;
  /** The claiming instance. */
  readonly instance: string;
  /** Whether an instance still exists; the claims of a deleted instance are free again. */
  readonly exists: (instance: string) => boolean;
}

export interface PortClaim {
  readonly port: number;
  readonly instance: string;
  readonly purpose: PortPurpose;
}

export interface ChoosePortOptions {
  readonly host?: string;
  readonly claims?: PortClaims;
  readonly purpose?: PortPurpose;
}

/** How many OS-picked ports to try when each one turns out to be claimed by another instance. */
const MAX_ATTEMPTS = 20;
/** An unreadable claim younger than this may be another daemon's, being written (see tryClaim). */
const TORN_CLAIM_AGE_MS = 10_000;

function bindOnce(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** Every claim in `dir` (unreadable or foreign files are skipped). */
export function readPortClaims(dir: string): PortClaim[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: PortClaim[] = [];
  for (const name of names) {
    const claim = /^[0-9]{1,5}$/.test(name) ? readClaim(join(dir, name)) : undefined;
    if (claim) out.push(claim);
  }
  return out.sort((a, b) => a.port - b.port);
}

/** The claim in `file`, named after its port (`<dir>/<port>`, or a moved-aside copy of it). */
function readClaim(file: string): PortClaim | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<PortClaim>;
    if (typeof v.instance !== 'string' || (v.purpose !== 'ssh' && v.purpose !== 'kubernetes')) return undefined;
    return { port: Number(basename(file).split('.')[0]), instance: v.instance, purpose: v.purpose };
  } catch {
    return undefined;
  }
}

/** Creates the claim file exclusively; false when the port is already claimed. */
function createClaim(file: string, body: string): boolean {
  try {
    writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Removes the claim `held` read from `file` (a deleted instance's, or a torn one) unless it has
 * been replaced meanwhile: the file is moved aside first and checked, and a claim that is not
 * the one read goes back, so two daemons freeing the same claim cannot remove each other's.
 */
function removeClaim(file: string, held: PortClaim | undefined): boolean {
  const aside = `${file}.${randomUUID()}`;
  try {
    renameSync(file, aside);
  } catch {
    return false;
  }
  const moved = readClaim(aside);
  const same = held === undefined ? moved === undefined : moved?.instance === held.instance && moved.purpose === held.purpose;
  // Not the claim read: it goes back, exclusively, unless yet another claim is in place by now
  // (then the one moved aside is lost, as if it had come second).
  if (!same) createClaim(file, readFileSync(aside, 'utf8'));
  unlinkSync(aside);
  return same;
}

/** Claims `port` for (instance, purpose); false when another live instance holds it. */
function tryClaim(c: PortClaims, purpose: PortPurpose, port: number): boolean {
  const file = join(c.dir, String(port));
  const body = JSON.stringify({ instance: c.instance, purpose });
  for (let i = 0; i < 2; i++) {
    if (createClaim(file, body)) return true;
    const held = readClaim(file);
    if (held && held.instance === c.instance && held.purpose === purpose) return true;
    if (held && c.exists(held.instance)) return false;
    // An unreadable claim is left alone while it is young: it exists, empty, for a moment between
    // another daemon's exclusive create and its write. An old one was torn by a crash.
    if (!held && ageMs(file) < TORN_CLAIM_AGE_MS) return false;
    // A claim of a deleted instance (or a torn file) is removed once, then claimed afresh.
    if (!removeClaim(file, held)) return false;
  }
  return false;
}

/**
 * A host port for `purpose`: with `claims`, the instance's existing claim, else `preferred` when
 * it binds and no other instance claimed it, else a free port the OS picks. Without `claims`,
 * only the bind check.
 */
export async function choosePort(preferred: number, o: ChoosePortOptions = {}): Promise<number> {
  const host = o.host ?? '127.0.0.1';
  const claims = o.claims;
  const purpose = o.purpose ?? 'kubernetes';
  if (claims) {
    mkdirSync(claims.dir, { recursive: true, mode: 0o700 });
    const mine = readPortClaims(claims.dir).find((x) => x.instance === claims.instance && x.purpose === purpose);
    if (mine) return mine.port;
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const port = await bindOnce(attempt === 0 ? preferred : 0, host);
    if (port === undefined) continue;
    if (!claims || tryClaim(claims, purpose, port)) return port;
  }
  throw new Error(`no free TCP port on ${host} for ${purpose}`);
}
