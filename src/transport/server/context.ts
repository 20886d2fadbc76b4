// What request handlers and streams see of the gateway and of their connection.
import type { Api } from '../../admission/types.js';
import type { Logger } from '../../log.js';
import type { Store } from '../../store/types.js';
import type { DaemonInfo, Encoding, Limits, RequestId } from '../protocol.js';
import type { BrowserAuth } from '../../dashboard/server/login.js';
import type { AuthKind } from './auth.js';
import type { ConditionHub } from './condition-hub.js';
import type { OutEvent } from './outbound.js';

/** Follows a VM's hostagent log. `open` throws ApiError NotFound for a missing instance. */
export interface LogSource {
  open(name: string, o: { stream: 'stdout' | 'stderr'; follow: boolean; signal: AbortSignal }): AsyncIterable<string>;
}

export interface GatewayContext {
  readonly api: Api;
  readonly store: Store;
  readonly log: Logger;
  readonly info: DaemonInfo;
  readonly logs?: LogSource;
  readonly limits: Limits;
  readonly hub: ConditionHub;
  /** The status page's sign-in (login codes, sessions); absent when the page is not served. */
  readonly browserAuth?: BrowserAuth;
}

/** An open stream (watch, conditions, logs) on a connection. */
export interface Stream {
  readonly type: 'watch' | 'conditions' | 'logs';
  /** Ends the stream; sends nothing. Idempotent. */
  stop(): void;
  /** Called when held (conflated) events have all been sent. */
  onDrained?(): void;
}

/** The connection as seen by handlers and streams. */
export interface ConnectionPort {
  readonly id: number;
  readonly encoding: Encoding;
  readonly log: Logger;
  /** How the peer authenticated (the login ops depend on it). */
  readonly auth: AuthKind;
  /** Set once the `login` exchange happened on this connection (it is allowed once). */
  loggedIn: boolean;
  /** Aborted when the connection goes away. */
  readonly signal: AbortSignal;
  /** Frames that are never conflated (stream starts, log lines, stream ends). */
  send(msg: object): void;
  /** A stream event that may be conflated per key while the consumer is slow. Keys must be unique per stream. */
  sendEvent<M extends object>(ev: OutEvent<M>): void;
  /** Like sendEvent, but a held event with the same key moves to the end of the line. */
  sendEventLast<M extends object>(ev: OutEvent<M>): void;
  /** Resolves when the consumer has room again (for pull-based streams). */
  writable(): Promise<void>;
  addStream(id: RequestId, s: Stream): void;
  /** Forgets the stream (it ended by itself). */
  removeStream(id: RequestId, s: Stream): void;
}

/** What a handler returns: the response result, and work to do right after the response is sent. */
export interface Outcome {
  readonly result: unknown;
  readonly after?: () => void;
}

export function streamKey(id: RequestId): string {
  return typeof id === 'number' ? `n${id}` : `s${id}`;
}
