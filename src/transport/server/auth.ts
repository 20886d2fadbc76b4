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

export type UpgradeVerdict =
  | { ok: true; encoding: Encoding; protocol: string }
  | { ok: false; status: 400 | 401 | 403; message: string };

export interface UpgradeCheck {
  readonly token: string;
  /** The loopback TCP port (origins `http://127.0.0.1:<port>` and `http://localhost:<port>` are ours). */
  readonly port: number;
  /** 'unix' connections never come from a browser, so any Origin there is refused. */
  readonly via: 'tcp' | 'unix';
}

export function checkUpgrade(headers: IncomingHttpHeaders, c: UpgradeCheck): UpgradeVerdict {
  const protocols = offeredProtocols(headers);
  let token: string | undefined;
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) token = auth.replace(/^bearer\s+/i, '').trim();
  token ??= protocols.find((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX))?.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
  if (token === undefined || token.length === 0) {
    return { ok: false, status: 401, message: 'missing token: send "Authorization: Bearer <token>" or the subprotocol "rdd.token.<token>"' };
  }
  if (!tokensEqual(token, c.token)) return { ok: false, status: 401, message: 'invalid token' };

  const origin = headers.origin;
  if (typeof origin === 'string' && !isOwnOrigin(origin, c)) {
    return { ok: false, status: 403, message: `origin ${JSON.stringify(origin.slice(0, 200))} is not allowed` };
  }

  const protocol = protocols.find((p) => p === SUBPROTOCOL_MSGPACK || p === SUBPROTOCOL_JSON);
  if (!protocol) {
    return { ok: false, status: 400, message: `no supported subprotocol; offer "${SUBPROTOCOL_MSGPACK}" or "${SUBPROTOCOL_JSON}"` };
  }
  return { ok: true, protocol, encoding: protocol === SUBPROTOCOL_MSGPACK ? 'msgpack' : 'json' };
}

function isOwnOrigin(origin: string, c: UpgradeCheck): boolean {
  if (c.via === 'unix') return false;
  const o = origin.toLowerCase();
  return o === `http://127.0.0.1:${c.port}` || o === `http://localhost:${c.port}`;
}
