// The wire protocol shared by the gateway and the client: versions, subprotocols, close codes,
// limits and the message shapes. docs/protocol.md is the prose version of this file.
import type { Condition, Resource, StatusBody } from '../api/index.js';
import type { DeleteResult, ListResult, WatchEvent } from '../store/types.js';
import type { RequestIdSchema, RequestSchemas } from './request-schemas.js';
import type { Static } from '@sinclair/typebox';

/** Bumped on any incompatible change of the messages below. `hello` returns it. */
export const PROTOCOL_VERSION = 1;

export const SUBPROTOCOL_MSGPACK = 'rdd.v1.msgpack';
export const SUBPROTOCOL_JSON = 'rdd.v1.json';
/** Browsers cannot set headers, so the token may ride in the subprotocol list: `rdd.token.<token>`. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'rdd.token.';

export type Encoding = 'msgpack' | 'json';

export const CloseCodes = {
  Normal: 1000,
  GoingAway: 1001,
  /** A text frame on the msgpack subprotocol, or a binary frame on the json one. */
  UnsupportedData: 1003,
  /** The frame could not be decoded (msgpack / JSON / UTF-8). */
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  /** The frame is larger than `maxPayload`. */
  MessageTooBig: 1009,
  InternalError: 1011,
  /** The consumer is too slow (outbound buffer over the hard limit, or stalled): reconnect and resume. */
  TryAgainLater: 1013,
} as const;

export interface Limits {
  /** Largest inbound frame in bytes; larger ones close the connection with 1009. */
  readonly maxPayload: number;
  /** Requests waiting to run on one connection; more get 429 TooManyRequests. */
  readonly maxQueuedRequests: number;
  /** Bytes of requests waiting to run on one connection; more get 429 TooManyRequests. */
  readonly maxQueuedBytes: number;
  /** Open streams (watch, conditions, logs) per connection; more get 429. */
  readonly maxStreams: number;
  /** Above this many buffered outbound bytes, watch and condition events are conflated per object. */
  readonly conflateAboveBytes: number;
  /** Above this many buffered outbound bytes the connection is closed with 1013. */
  readonly closeAboveBytes: number;
  /** A connection whose outbound buffer makes no progress for this long is closed with 1013. */
  readonly stallMs: number;
  /** Distinct conflated events held for one connection; more close it with 1013. */
  readonly maxPendingEvents: number;
  /** Ping interval; a peer that has not answered the previous ping by the next one is terminated. */
  readonly heartbeatMs: number;
  /** After a close frame (1001, 1013) is sent, how long to wait for the peer before terminating. */
  readonly closeGraceMs: number;
  /**
   * A watch that asked for bookmarks gets one this often, so a quiet watch's resume point keeps up
   * with the store's revision and does not fall behind compaction (Kubernetes: about once a minute).
   */
  readonly bookmarkMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxPayload: 256 * 1024,
  maxQueuedRequests: 128,
  maxQueuedBytes: 4 * 1024 * 1024,
  maxStreams: 256,
  conflateAboveBytes: 256 * 1024,
  closeAboveBytes: 4 * 1024 * 1024,
  stallMs: 10_000,
  maxPendingEvents: 10_000,
  heartbeatMs: 20_000,
  closeGraceMs: 2_000,
  bookmarkMs: 60_000,
};

/** What `hello` tells a client about the daemon; the CLI shows which Lima runs. */
export interface DaemonInfo {
  version: string;
  protocol: number;
  pid: number;
  startedAt: string;
  instance: string;
  lima: { kind: 'limactl' | 'simulator'; path: string; version?: string };
}

/** The endpoint file (JSON, mode 0600) that tells local clients where and how to connect. */
export interface EndpointInfo {
  url: string;
  socketPath: string;
  token: string;
  protocol: number;
  pid: number;
}

export type RequestId = Static<typeof RequestIdSchema>;

// ---- requests (client → server) -------------------------------------------------------------

// Derived from the schemas the gateway validates with (request-schemas.ts), so the types and the
// validation cannot disagree. Fields are described there.
type RequestOf<O extends keyof RequestSchemas> = Static<RequestSchemas[O]>;
export type HelloRequest = RequestOf<'hello'>;
export type GetRequest = RequestOf<'get'>;
export type ListRequest = RequestOf<'list'>;
export type CreateRequest = RequestOf<'create'>;
export type UpdateRequest = RequestOf<'update'>;
export type PatchRequest = RequestOf<'patch'>;
export type DeleteRequest = RequestOf<'delete'>;
export type WatchRequest = RequestOf<'watch'>;
export type UnwatchRequest = RequestOf<'unwatch'>;
export type ConditionsRequest = RequestOf<'conditions'>;
export type LogsRequest = RequestOf<'logs'>;
/** Token holders only: a one-time login code for the status page (see docs/dashboard.md). */
export type LoginCodeRequest = RequestOf<'loginCode'>;
/** On a connection opened with a login code, once: the browser session that replaces the code. */
export type LoginRequest = RequestOf<'login'>;
export type CancelRequest = RequestOf<'cancel'>;

export type Request = RequestOf<keyof RequestSchemas>;

export type Op = Request['op'];

// ---- responses and events (server → client) -------------------------------------------------

export interface HelloResult {
  daemon: DaemonInfo;
  protocol: number;
  encoding: Encoding;
  limits: Limits;
}

/** The result type of each request/response operation. Streams answer with StreamStarted. */
export interface ResultOf {
  hello: HelloResult;
  get: Resource;
  list: ListResult;
  create: Resource;
  update: Resource;
  patch: Resource;
  delete: DeleteResult;
  watch: StreamStarted;
  unwatch: StreamStopped;
  conditions: StreamStarted;
  logs: StreamStarted;
  cancel: StreamStopped;
  loginCode: LoginCodeResult;
  login: LoginResult;
}

export interface LoginCodeResult {
  /** Goes in the page URL's fragment; valid once, for about a minute. */
  code: string;
  expiresAt: string;
}
export interface LoginResult {
  /** The browser's credential from now on (it survives a daemon restart, not its expiry). */
  session: string;
  expiresAt: string;
}

export interface StreamStarted {
  /** Equals the request id; events of this stream carry it. */
  stream: RequestId;
}
export interface StreamStopped {
  stream: RequestId;
  /** False when no such stream was open (already ended or never existed). */
  stopped: boolean;
}

export interface OkResponse<R = unknown> {
  /** The request id; null only for an error about a frame whose id could not be read. */
  id: RequestId;
  ok: true;
  result: R;
}
export interface ErrorResponse {
  id: RequestId | null;
  ok: false;
  error: StatusBody;
}
export type Response = OkResponse | ErrorResponse;

export type WatchEventMessage = WatchEvent & {
  watch: RequestId;
  /**
   * Set on events held back and merged while the connection was congested. They arrive in
   * first-appearance order, not revision order, so a resume point is only safe after the
   * next unflagged event or BOOKMARK.
   */
  conflated?: true;
};
/** The watch ended with an error (e.g. Expired 410): relist, then watch again. No more events follow. */
export interface WatchErrorMessage {
  watch: RequestId;
  type: 'ERROR';
  object: StatusBody;
}

/** The conditions of one object at subscription time. */
export interface ConditionSnapshotItem {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  resourceVersion: string;
  conditions: Condition[];
}

export interface ConditionSnapshotMessage {
  sub: RequestId;
  type: 'snapshot';
  /** The store revision the snapshot was taken at; transitions that follow are newer. */
  resourceVersion: string;
  objects: ConditionSnapshotItem[];
}
interface ConditionObjectRef {
  sub: RequestId;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  resourceVersion: string;
}
/** One condition changed (or appeared). */
export interface ConditionTransitionMessage extends ConditionObjectRef {
  type: 'condition';
  condition: Condition;
  conflated?: true;
}
/** A condition type disappeared from the object. */
export interface ConditionRemovedMessage extends ConditionObjectRef {
  type: 'removed';
  conditionType: string;
  conflated?: true;
}
/** The object was deleted (its conditions went with it). */
export interface ConditionDeletedMessage extends ConditionObjectRef {
  type: 'deleted';
  conflated?: true;
}
export type ConditionMessage =
  | ConditionSnapshotMessage
  | ConditionTransitionMessage
  | ConditionRemovedMessage
  | ConditionDeletedMessage;

export interface LogLinesMessage {
  stream: RequestId;
  lines: string[];
}
export interface LogEndMessage {
  stream: RequestId;
  done: true;
}
export interface LogErrorMessage {
  stream: RequestId;
  error: StatusBody;
}
export type LogMessage = LogLinesMessage | LogEndMessage | LogErrorMessage;

export type ServerMessage = Response | WatchEventMessage | WatchErrorMessage | ConditionMessage | LogMessage;
