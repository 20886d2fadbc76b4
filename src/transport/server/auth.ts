// Upgrade-time checks: token (bearer header or `rdd.token.<token>` subprotocol), browser Origin,
// and the encoding subprotocol. Everything here is pure so it can be tested without sockets.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  SUBPROTOCOL_JSON,
  SUBPROTOCOL_MSGPACK,
  TOKEN_SUBPROTOCOL_PREFIX,
  type Encoding,
} from '../protocol.js';

/** 32 random bytes, base64url: valid as a header value and as a subprotocol token. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison; hashing first makes the comparison independent of length. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

export function offeredProtocols(headers: IncomingHttpHeaders): string[] {
  const raw = headers['sec-websocket-protocol'];
  if (typeof raw !== 'string') return [];
  return raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** How a peer proved itself: the daemon token, or a browser credential of the status page. */
export type AuthKind = 'token' | 'login-code' | 'session';

export type UpgradeVerdict =
  | { ok: true; encoding: Encoding; protocol: string; auth: AuthKind }
  | { ok: false; status: 400 | 401 | 403; message: string };

export interface UpgradeCheck {
  readonly token: string;
  /** The loopback TCP port (origins `http://127.0.0.1:<port>` and `http://localhost:<port>` are ours). */
  readonly port: number;
  /** 'unix' connections never come from a browser, so any Origin there is refused. */
  readonly via: 'tcp' | 'unix';
  /**
   * The status page's credentials (a one-time login code, which this call uses up, or a session).
   * Consulted only for a browser on the daemon's own origin, so a foreign page never spends a code.
   */
  readonly browserCredential?: (credential: string) => 'login-code' | 'session' | undefined;
}

export function checkUpgrade(headers: IncomingHttpHeaders, c: UpgradeCheck): UpgradeVerdict {
  const protocols = offeredProtocols(headers);
  let token: string | undefined;
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer\s+/i.test(authorization)) token = authorization.replace(/^bearer\s+/i, '').trim();
  token ??= protocols.find((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX))?.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
  if (token === undefined || token.length === 0) {
    return { ok: false, status: 401, message: 'missing token: send "Authorization: Bearer <token>" or the subprotocol "rdd.token.<token>"' };
  }
  const origin = headers.origin;
  let auth: AuthKind = 'token';
  if (!tokensEqual(token, c.token)) {
    const browser = typeof origin === 'string' && isOwnOrigin(origin, c) ? c.browserCredential?.(token) : undefined;
    if (!browser) return { ok: false, status: 401, message: 'invalid token' };
    auth = browser;
  }

  if (typeof origin === 'string' && !isOwnOrigin(origin, c)) {
    return { ok: false, status: 403, message: `origin ${JSON.stringify(origin.slice(0, 200))} is not allowed` };
  }

  const protocol = protocols.find((p) => p === SUBPROTOCOL_MSGPACK || p === SUBPROTOCOL_JSON);
  if (!protocol) {
    return { ok: false, status: 400, message: `no supported subprotocol; offer "${SUBPROTOCOL_MSGPACK}" or "${SUBPROTOCOL_JSON}"` };
  }
  return { ok: true, protocol, encoding: protocol === SUBPROTOCOL_MSGPACK ? 'msgpack' : 'json', auth };
}

function isOwnOrigin(origin: string, c: UpgradeCheck): boolean {
  if (c.via === 'unix') return false;
  const o = origin.toLowerCase();
  return o === `http://127.0.0.1:${c.port}` || o === `http://localhost:${c.port}`;
}
