// Browser sign-in for the status page. The daemon token never reaches a browser: `rdd dashboard`
// (which holds the token) asks for a one-time login code that lives 60 s; the page exchanges it
// for a session: an HMAC-signed expiry under a key kept in the service dir (0600), so a session
// outlives a daemon restart and the page can reconnect on its own. Nothing here is logged.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiError } from '../../api/index.js';

export const LOGIN_CODE_TTL_MS = 60_000;
export const SESSION_TTL_MS = 12 * 60 * 60_000;
/** Codes not yet used; more than this and the oldest goes (a local tool looping cannot grow memory). */
const MAX_OPEN_CODES = 64;
const SESSION_PREFIX = 's1.';

export interface LoginCode {
  readonly code: string;
  readonly expiresAt: string;
}

export interface BrowserSession {
  readonly session: string;
  readonly expiresAt: string;
}

export interface BrowserAuthOptions {
  /** Holds the session signing key (created 0600 when missing). */
  readonly keyFile: string;
  readonly now?: () => number;
  readonly codeTtlMs?: number;
  readonly sessionTtlMs?: number;
}

export type CredentialKind = 'login-code' | 'session';

/** Login codes (in memory, one use each) and signed sessions (verified without state). */
export class BrowserAuth {
  private readonly codes = new Map<string, number>();
  private readonly key: Buffer;
  private readonly now: () => number;
  private readonly codeTtlMs: number;
  private readonly sessionTtlMs: number;

  constructor(o: BrowserAuthOptions) {
    this.key = loadOrCreateKey(o.keyFile);
    this.now = o.now ?? Date.now;
    this.codeTtlMs = o.codeTtlMs ?? LOGIN_CODE_TTL_MS;
    this.sessionTtlMs = o.sessionTtlMs ?? SESSION_TTL_MS;
  }

  issueCode(): LoginCode {
    this.prune();
    while (this.codes.size >= MAX_OPEN_CODES) this.codes.delete(this.codes.keys().next().value as string);
    // 128 bits: guessing within the code's lifetime is hopeless, and each guess costs a handshake.
    const code = randomBytes(16).toString('base64url');
    const expires = this.now() + this.codeTtlMs;
    this.codes.set(code, expires);
    return { code, expiresAt: new Date(expires).toISOString() };
  }

  issueSession(): BrowserSession {
    const expires = Math.floor((this.now() + this.sessionTtlMs) / 1000);
    const body = `${expires}.${randomBytes(12).toString('base64url')}`;
    return { session: `${SESSION_PREFIX}${body}.${this.mac(body)}`, expiresAt: new Date(expires * 1000).toISOString() };
  }

  /**
   * Accepts a login code (and uses it up) or a live session. Returns what it was, or undefined.
   * Map lookup by the code itself is fine: codes are random, so timing reveals nothing useful.
   */
  accept(credential: string): CredentialKind | undefined {
    if (credential.startsWith(SESSION_PREFIX)) return this.validSession(credential) ? 'session' : undefined;
    const expires = this.codes.get(credential);
    if (expires === undefined) return undefined;
    this.codes.delete(credential);
    return expires > this.now() ? 'login-code' : undefined;
  }

  private validSession(s: string): boolean {
    const parts = s.slice(SESSION_PREFIX.length).split('.');
    if (parts.length !== 3) return false;
    const [exp, nonce, mac] = parts as [string, string, string];
    const want = Buffer.from(this.mac(`${exp}.${nonce}`));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return false;
    return Number(exp) * 1000 > this.now();
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  private prune(): void {
    const now = this.now();
    for (const [c, exp] of this.codes) if (exp <= now) this.codes.delete(c);
  }
}

function loadOrCreateKey(file: string): Buffer {
  try {
    const k = fs.readFileSync(file);
    if (k.length >= 32) return k;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ApiError(500, 'InternalError', `cannot read the dashboard session key ${file}: ${(e as Error).message}; remove it to make a new one`);
    }
  }
  const key = randomBytes(32);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, key, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return key;
}
