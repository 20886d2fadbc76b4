// Client-side errors as ApiErrors the CLI can act on: "daemon not running", "token refused",
// "connection closed". Cause reasons make them machine-checkable.
import { ApiError, isApiError, type Condition } from '../../api/index.js';

export const DAEMON_NOT_RUNNING = 'DaemonNotRunning';
export const CONNECTION_CLOSED = 'ConnectionClosed';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ENOTSOCK', 'EADDRNOTAVAIL']);

/** The daemon answered the WebSocket upgrade with an HTTP error status instead of switching protocols. */
export function handshakeRefusedError(address: string, status: number, body = ''): ApiError {
  const why = body || `HTTP ${status}`;
  switch (status) {
    case 401:
      return new ApiError(401, 'Unauthorized', `the daemon at ${address} refused the token (${why}); the endpoint file may be stale: restart the daemon`);
    case 403:
      return new ApiError(403, 'Forbidden', `the daemon at ${address} refused the connection: ${why}`);
    case 503:
      return new ApiError(503, 'ServiceUnavailable', `the daemon at ${address} is shutting down: ${why}`, { retryAfterSeconds: 1 });
    case 400:
      return new ApiError(400, 'BadRequest', `the daemon at ${address} refused the handshake: ${why}`);
    default:
      return new ApiError(502, 'InternalError', `unexpected answer from ${address}: ${why}`);
  }
}

/** The WebSocket handshake did not complete within `ms` (the client's own timer, see conn.ts). */
export function handshakeTimeoutError(address: string, ms: number): ApiError {
  return new ApiError(504, 'Timeout', `the daemon at ${address} did not complete the WebSocket handshake within ${ms / 1000} s`);
}

/**
 * A failed dial, by its errno code: unreachable (nothing listens, no socket file, reset) means
 * the daemon is not running (503 with a DaemonNotRunning cause); anything else is reported as is.
 */
export function dialError(address: string, e: Error): ApiError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code && UNREACHABLE.has(code)) {
    return new ApiError(503, 'ServiceUnavailable', `cannot reach the rdd daemon at ${address} (${code}); is it running? Start it with "rdd service start"`, {
      causes: [{ reason: DAEMON_NOT_RUNNING, message: e.message }],
    });
  }
  return new ApiError(503, 'ServiceUnavailable', `cannot connect to the rdd daemon at ${address}: ${e.message}`, {
    causes: [{ reason: DAEMON_NOT_RUNNING, message: e.message }],
  });
}

/** A request whose frame is over the gateway's limit; it was not sent. */
export function tooLargeError(op: string, bytes: number, limit: number): ApiError {
  return new ApiError(
    413,
    'RequestEntityTooLarge',
    `the "${op}" request is ${kib(bytes)} (${bytes} bytes), over the gateway's frame limit of ${kib(limit)} (${limit} bytes); ` +
      'make the object smaller (for example, split a large ConfigMap)',
  );
}

function kib(bytes: number): string {
  return `${Math.ceil((bytes / 1024) * 10) / 10} KiB`;
}

/** The connection went away; requests in flight fail with this. */
export function closedError(code: number, reason: string): ApiError {
  // 1009: a frame was over the daemon's limit (a daemon configured below the client's default).
  const why = code === 1009 ? ': a message was over the frame limit of the daemon (see maxPayload in "hello")' : '';
  const text = `connection to the daemon closed (code ${code}${reason ? `: ${reason}` : ''})${why}`;
  return new ApiError(503, 'ServiceUnavailable', text, {
    causes: [{ reason: CONNECTION_CLOSED, field: String(code), message: text }],
    retryAfterSeconds: code === 1001 ? 1 : 0,
  });
}

/** True when the daemon could not be reached at all: the CLI may start it and retry. */
export function isDaemonNotRunning(e: unknown): boolean {
  return isApiError(e) && e.code === 503 && (e.details?.causes ?? []).some((c) => c.reason === DAEMON_NOT_RUNNING);
}

/** True when an established connection closed under a request. */
export function isConnectionClosed(e: unknown): boolean {
  return isApiError(e) && e.code === 503 && (e.details?.causes ?? []).some((c) => c.reason === CONNECTION_CLOSED);
}

/** The close code carried by a connection-closed error, if any. */
export function closeCodeOf(e: unknown): number | undefined {
  if (!isConnectionClosed(e)) return undefined;
  const c = (e as ApiError).details?.causes?.find((x) => x.reason === CONNECTION_CLOSED);
  return c?.field ? Number(c.field) : undefined;
}

/** waitForCondition rejects with this when `failFast` matched: the wait cannot succeed any more. */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
  constructor(
    readonly kind: string,
    readonly objectName: string,
    readonly namespace: string,
    readonly condition: Condition,
  ) {
    super(
      `${kind} "${objectName}" failed: ${condition.type}=${condition.status} (${condition.reason})${condition.message ? `: ${condition.message}` : ''}`,
    );
  }
}

export function isConditionFailed(e: unknown): e is ConditionFailedError {
  return e instanceof ConditionFailedError;
}
