// The typed client of the gateway, used by the CLI and by tests. One WebSocket at a time; it is
// redialed on demand after it closes, and streams (watch, conditions) resume on the new one.
import { ApiError, type Condition, type Resource, type ResourceInput, type ResourceOf } from '../../api/index.js';
import type { Logger } from '../../log.js';
import type { DeleteResult, ListResult } from '../../store/types.js';
import { readEndpointFile } from '../endpoint.js';
import { DEFAULT_LIMITS, type Encoding, type HelloResult, type LoginCodeResult, type LoginResult } from '../protocol.js';
import { ConditionSubscription, waitForCondition, type ConditionStream, type ConditionUpdate, type WaitForConditionOptions } from './conditions.js';
import { Conn, type DialTarget } from './conn.js';
import { streamLogs, type LogsOptions } from './logs.js';
import { ReconnectingWatch, type ClientWatch, type ClientWatchEvent, type WatchOptions } from './watch.js';

export interface ConnectOptions {
  /** The daemon's endpoint file (re-read on every redial, so a restarted daemon is found). */
  endpointFile?: string;
  url?: string;
  socketPath?: string;
  token?: string;
  /** Default 'msgpack'. */
  encoding?: Encoding;
  /** Default 30 s. */
  requestTimeoutMs?: number;
  /** How long the WebSocket handshake may take; default 10 s. */
  handshakeTimeoutMs?: number;
  /** The gateway's frame limit (default DEFAULT_LIMITS.maxPayload, as `hello` reports it). A larger request fails here with 413. */
  maxPayload?: number;
  log?: Logger;
}

export interface NamespaceOption {
  namespace?: string;
}
export type ListOptions = NamespaceOption & { labelSelector?: string; name?: string };
export interface UpdateOptions {
  dryRun?: boolean;
  subresource?: 'status';
}
export type PatchOptions = NamespaceOption & UpdateOptions;
export type DeleteOptions = NamespaceOption & {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
};

export interface Client {
  hello(): Promise<HelloResult>;
  /** A one-time login code for the status page (token holders only). */
  loginCode(): Promise<LoginCodeResult>;
  /** On a connection opened with a login code: the session that replaces it. */
  login(): Promise<LoginResult>;
  // Reads and writes return the kind's type for a literal kind (KindMap in src/api/kind-map.ts);
  // a runtime `string` kind gives Resource. The server resolves short names (`vm`), which the
  // types do not know: give the kind's name, or the type argument of the second overload.
  get<K extends string>(kind: K, name: string, o?: NamespaceOption): Promise<ResourceOf<K>>;
  get<T extends Resource>(kind: string, name: string, o?: NamespaceOption): Promise<T>;
  list<K extends string>(kind: K, o?: ListOptions): Promise<ListResult<ResourceOf<K>>>;
  list<T extends Resource>(kind: string, o?: ListOptions): Promise<ListResult<T>>;
  create<K extends string>(obj: ResourceInput & { readonly kind: K }, o?: { dryRun?: boolean }): Promise<ResourceOf<K>>;
  create<T extends Resource>(obj: ResourceInput, o?: { dryRun?: boolean }): Promise<T>;
  update<K extends string>(obj: Resource & { readonly kind: K }, o?: UpdateOptions): Promise<ResourceOf<K>>;
  update<T extends Resource>(obj: Resource, o?: UpdateOptions): Promise<T>;
  patch<K extends string>(kind: K, name: string, patch: Record<string, unknown>, o?: PatchOptions): Promise<ResourceOf<K>>;
  patch<T extends Resource>(kind: string, name: string, patch: Record<string, unknown>, o?: PatchOptions): Promise<T>;
  delete<K extends string>(kind: K, name: string, o?: DeleteOptions): Promise<DeleteResult<ResourceOf<K>>>;
  /** A watch that reconnects and resumes by itself; see ReconnectingWatch. */
  watch(opts: WatchOptions, onEvent: (ev: ClientWatchEvent) => void, onError?: (err: ApiError) => void): ClientWatch;
  /** Condition transitions of one object (or of every object of the kind when `name` is undefined). */
  conditions(
    kind: string,
    name: string | undefined,
    o: NamespaceOption,
    onUpdate: (u: ConditionUpdate) => void,
    onError?: (err: ApiError) => void,
  ): ConditionStream;
  waitForCondition(kind: string, name: string, o: WaitForConditionOptions): Promise<Condition>;
  logs(name: string, o?: LogsOptions): AsyncIterable<string>;
  close(): void;
  readonly closed: boolean;
  /** The live connection, if any (diagnostics and tests). */
  currentConnection(): Conn | undefined;
}

const opt = <K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> =>
  (v === undefined ? {} : { [k]: v }) as Partial<Record<K, V>>;

class GatewayClient implements Client {
  private conn: Conn | undefined;
  private dialing: Promise<Conn> | undefined;
  /** Open watches and condition streams, closed with the client. */
  private readonly streams = new Set<{ close(): void }>();
  closed = false;
  readonly log: Logger | undefined;

  constructor(private readonly o: ConnectOptions) {
    this.log = o.log;
  }

  private target(): DialTarget {
    const file = this.o.endpointFile ? readEndpointFile(this.o.endpointFile) : undefined;
    const token = this.o.token ?? file?.token;
    if (!token) throw new ApiError(400, 'BadRequest', 'no token: give an endpoint file or a token');
    const url = this.o.url ?? file?.url;
    const socketPath = this.o.socketPath ?? file?.socketPath;
    return { token, ...opt('url', url), ...opt('socketPath', socketPath) };
  }

  connection(): Promise<Conn> {
    if (this.closed) return Promise.reject(new ApiError(400, 'BadRequest', 'the client is closed'));
    if (this.conn?.isOpen) return Promise.resolve(this.conn);
    this.dialing ??= (async () => {
      try {
        const conn = await Conn.open(this.target(), {
          encoding: this.o.encoding ?? 'msgpack',
          requestTimeoutMs: this.o.requestTimeoutMs ?? 30_000,
          ...opt('handshakeTimeoutMs', this.o.handshakeTimeoutMs),
          maxPayload: this.o.maxPayload ?? DEFAULT_LIMITS.maxPayload,
          ...opt('log', this.o.log),
        });
        if (this.closed) {
          conn.close();
          throw new ApiError(400, 'BadRequest', 'the client is closed');
        }
        this.conn = conn;
        return conn;
      } finally {
        this.dialing = undefined;
      }
    })();
    return this.dialing;
  }

  currentConnection(): Conn | undefined {
    return this.conn;
  }

  hello(): Promise<HelloResult> {
    return this.connection().then((c) => c.request({ op: 'hello', client: 'rdd-client' }));
  }

  loginCode(): Promise<LoginCodeResult> {
    return this.connection().then((c) => c.request({ op: 'loginCode' }));
  }

  login(): Promise<LoginResult> {
    return this.connection().then((c) => c.request({ op: 'login' }));
  }

  async get<T extends Resource>(kind: string, name: string, o: NamespaceOption = {}): Promise<T> {
    const c = await this.connection();
    return (await c.request({ op: 'get', kind, name, ...opt('namespace', o.namespace) })) as T;
  }

  async list<T extends Resource>(kind: string, o: ListOptions = {}): Promise<ListResult<T>> {
    const c = await this.connection();
    return (await c.request({
      op: 'list',
      kind,
      ...opt('namespace', o.namespace),
      ...opt('labelSelector', o.labelSelector),
      ...opt('name', o.name),
    })) as ListResult<T>;
  }

  async create<T extends Resource>(obj: ResourceInput, o: { dryRun?: boolean } = {}): Promise<T> {
    const c = await this.connection();
    return (await c.request({ op: 'create', object: obj, ...opt('dryRun', o.dryRun) })) as T;
  }

  async update<T extends Resource>(obj: Resource, o: UpdateOptions = {}): Promise<T> {
    const c = await this.connection();
    return (await c.request({
      op: 'update',
      object: obj,
      ...opt('dryRun', o.dryRun),
      ...opt('subresource', o.subresource),
    })) as T;
  }

  async patch<T extends Resource>(kind: string, name: string, patch: Record<string, unknown>, o: PatchOptions = {}): Promise<T> {
    const c = await this.connection();
    return (await c.request({
      op: 'patch',
      kind,
      name,
      patch,
      ...opt('namespace', o.namespace),
      ...opt('dryRun', o.dryRun),
      ...opt('subresource', o.subresource),
    })) as T;
  }

  async delete<K extends string>(kind: K, name: string, o: DeleteOptions = {}): Promise<DeleteResult<ResourceOf<K>>> {
    const c = await this.connection();
    // The gateway deleted an object of `kind`.
    return (await c.request({
      op: 'delete',
      kind,
      name,
      ...opt('namespace', o.namespace),
      ...opt('dryRun', o.dryRun),
      ...opt('gracePeriodSeconds', o.gracePeriodSeconds),
      ...opt('preconditions', o.preconditions),
    })) as DeleteResult<ResourceOf<K>>;
  }

  watch(opts: WatchOptions, onEvent: (ev: ClientWatchEvent) => void, onError?: (err: ApiError) => void): ClientWatch {
    const w = new ReconnectingWatch(this, opts, onEvent, onError);
    this.streams.add(w);
    return w;
  }

  conditions(
    kind: string,
    name: string | undefined,
    o: NamespaceOption,
    onUpdate: (u: ConditionUpdate) => void,
    onError?: (err: ApiError) => void,
  ): ConditionStream {
    const s = new ConditionSubscription(this, { kind, ...opt('name', name), ...opt('namespace', o.namespace) }, onUpdate, onError);
    this.streams.add(s);
    return s;
  }

  waitForCondition(kind: string, name: string, o: WaitForConditionOptions): Promise<Condition> {
    return waitForCondition(
      (onUpdate, onError) => this.conditions(kind, name, opt('namespace', o.namespace), onUpdate, onError),
      kind,
      name,
      o,
    );
  }

  logs(name: string, o: LogsOptions = {}): AsyncIterable<string> {
    return streamLogs(() => this.connection(), name, o);
  }

  forget(stream: { close(): void }): void {
    this.streams.delete(stream);
  }

  close(): void {
    this.closed = true;
    for (const s of [...this.streams]) s.close();
    this.conn?.close();
    this.conn = undefined;
  }
}

/** Connects to the gateway (Unix socket preferred when one is known). Fails fast when no daemon answers. */
export async function connect(o: ConnectOptions): Promise<Client> {
  const client = new GatewayClient(o);
  await client.connection();
  return client;
}
