// One client connection: frame checks and decoding, a bounded inbound queue run in order, the
// stream table, and outbound flow control. Nothing a client sends can throw out of here.
import { WebSocket, type RawData } from 'ws';
import { ApiError } from '../../api/index.js';
import type { Logger } from '../../log.js';
import { createCodec, type Codec } from '../codec.js';
import { CloseCodes, type Encoding, type Request, type RequestId, type StreamStopped } from '../protocol.js';
import { parseRequest } from '../requests.js';
import type { AuthKind } from './auth.js';
import { streamKey, type ConnectionPort, type GatewayContext, type Outcome, type Stream } from './context.js';
import { toClientError } from './kernel-errors.js';
import { handle } from './ops.js';
import { Outbound, type OutEvent } from './outbound.js';

interface Queued {
  readonly req: Request;
  readonly bytes: number;
}

export interface ConnectionStats {
  readonly id: number;
  readonly encoding: Encoding;
  readonly via: 'tcp' | 'unix';
  readonly streams: number;
  readonly queued: number;
  readonly pendingEvents: number;
  readonly bufferedAmount: number;
  readonly sent: number;
  readonly conflated: number;
  /** True once a close frame was sent or received. */
  readonly closing: boolean;
}

export class Connection implements ConnectionPort {
  readonly encoding: Encoding;
  // Created on first use: most connections never log, and each costs memory per connection.
  private childLog: Logger | undefined;
  private readonly codec: Codec;
  private readonly outbound: Outbound;
  private abort: AbortController | undefined;
  private readonly streams = new Map<string, Stream>();
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  private running = false;
  private draining = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** Heartbeat: set by pong, cleared by each ping. */
  alive = true;
  loggedIn = false;
  readonly done: Promise<void>;

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    encoding: Encoding,
    readonly via: 'tcp' | 'unix',
    private readonly ctx: GatewayContext,
    readonly auth: AuthKind = 'token',
  ) {
    this.encoding = encoding;
    this.codec = createCodec(encoding);
    const sendOptions = { binary: this.codec.binary };
    this.outbound = new Outbound(
      {
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
        isOpen: () => ws.readyState === WebSocket.OPEN,
        send: (frame) => ws.send(frame, sendOptions),
      },
      ctx.limits,
      {
        encode: (msg) => this.codec.encode(msg),
        onOverload: (reason) => this.closeWith(CloseCodes.TryAgainLater, 'consumer too slow; reconnect and resume', reason),
        onDrained: () => {
          for (const s of this.streams.values()) this.guard(() => s.onDrained?.());
        },
      },
    );
    this.done = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('error', (err) => this.log.debug({ err }, 'socket error'));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('message', (data, isBinary) => this.guard(() => this.onMessage(data, isBinary)));
    ws.once('close', (code, reason) => this.guard(() => this.onClose(code, reason.toString())));
  }

  get log(): Logger {
    return (this.childLog ??= this.ctx.log.child({ conn: this.id, encoding: this.encoding, via: this.via }));
  }

  /** Aborted when the connection closes (created on first use). */
  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.closed) this.abort.abort();
    }
    return this.abort.signal;
  }

  stats(): ConnectionStats {
    return {
      id: this.id,
      encoding: this.encoding,
      via: this.via,
      streams: this.streams.size,
      queued: this.queue.length,
      pendingEvents: this.outbound.pendingEvents,
      bufferedAmount: this.ws.bufferedAmount,
      sent: this.outbound.counters.sent,
      conflated: this.outbound.counters.merged,
      closing: this.ws.readyState !== WebSocket.OPEN,
    };
  }

  // ---- ConnectionPort -------------------------------------------------------------------------

  send(msg: object): void {
    this.outbound.sendNow(this.codec.encode(msg));
  }

  sendEvent<M extends object>(ev: OutEvent<M>): void {
    this.outbound.sendEvent(ev);
  }

  sendEventLast<M extends object>(ev: OutEvent<M>): void {
    this.outbound.sendEventLast(ev);
  }

  writable(): Promise<void> {
    return this.outbound.writable();
  }

  addStream(id: RequestId, s: Stream): void {
    const key = streamKey(id);
    if (this.closed) {
      s.stop();
      return;
    }
    this.streams.set(key, s);
  }

  removeStream(id: RequestId, s: Stream): void {
    const key = streamKey(id);
    if (this.streams.get(key) === s) this.streams.delete(key);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  ping(): void {
    if (!this.alive) {
      this.log.info('peer did not answer the heartbeat; terminating');
      this.ws.terminate();
      return;
    }
    this.alive = false;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  /** Stops taking requests, finishes the queued ones, then closes with 1001. */
  async shutdown(graceMs: number): Promise<void> {
    this.draining = true;
    await this.idle();
    this.closeWith(CloseCodes.GoingAway, 'daemon shutting down', 'shutdown', graceMs);
    await this.done;
  }

  terminate(): void {
    this.ws.terminate();
  }

  private closeWith(code: number, reason: string, why: string, graceMs = this.ctx.limits.closeGraceMs): void {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    if (code !== CloseCodes.GoingAway) this.log.warn({ code, why }, 'closing connection');
    this.stopStreams();
    this.outbound.dispose();
    this.ws.close(code, reason);
    // A stuck peer never answers the close frame; do not wait for ws's 30 s close timeout.
    const t = setTimeout(() => this.ws.terminate(), graceMs);
    t.unref();
    void this.done.then(() => clearTimeout(t));
  }

  private onClose(code: number, reason: string): void {
    this.closed = true;
    this.log.debug({ code, reason }, 'connection closed');
    this.abort?.abort();
    this.stopStreams();
    this.outbound.dispose();
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.wakeIdle();
  }

  private stopStreams(): void {
    for (const s of this.streams.values()) this.guard(() => s.stop());
    this.streams.clear();
  }

  private idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  // ---- inbound --------------------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary !== this.codec.binary) {
      const want = this.codec.binary ? 'binary' : 'text';
      this.closeWith(CloseCodes.UnsupportedData, `expected ${want} frames on this subprotocol`, 'wrong frame type');
      return;
    }
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let value: unknown;
    try {
      value = this.codec.decode(buf);
    } catch (e) {
      this.log.debug({ err: e }, 'undecodable frame');
      this.closeWith(CloseCodes.InvalidPayload, `undecodable ${this.encoding} frame`, 'decode error');
      return;
    }
    const parsed = parseRequest(value);
    if (!parsed.ok) {
      this.respondError(parsed.id, parsed.error);
      return;
    }
    const req = parsed.request;
    if (this.draining) {
      this.respondError(req.id, new ApiError(503, 'ServiceUnavailable', 'the daemon is shutting down; retry after it restarts', { retryAfterSeconds: 1 }));
      return;
    }
    if (this.queue.length >= this.ctx.limits.maxQueuedRequests || this.queuedBytes + buf.length > this.ctx.limits.maxQueuedBytes) {
      this.respondError(
        req.id,
        new ApiError(429, 'TooManyRequests', `too many requests in flight on this connection (limit ${this.ctx.limits.maxQueuedRequests}); wait for answers before sending more`, {
          retryAfterSeconds: 1,
        }),
      );
      return;
    }
    this.queue.push({ req, bytes: buf.length });
    this.queuedBytes += buf.length;
    if (!this.running) this.pump();
  }

  /** Runs queued requests one at a time, in arrival order; synchronous handlers finish in this turn. */
  private pump(): void {
    this.running = true;
    while (!this.closed) {
      const next = this.queue.shift();
      if (next === undefined) break;
      this.queuedBytes -= next.bytes;
      let outcome: Outcome | Promise<Outcome>;
      try {
        outcome = this.dispatch(next.req);
      } catch (e) {
        this.respondError(next.req.id, e);
        continue;
      }
      if (outcome instanceof Promise) {
        void outcome
          .then(
            (o) => this.guard(() => this.finish(next.req, o)),
            (e: unknown) => this.guard(() => this.respondError(next.req.id, e)),
          )
          .finally(() => this.guard(() => this.pump()));
        return;
      }
      this.finish(next.req, outcome);
    }
    this.running = false;
    this.wakeIdle();
  }

  private dispatch(req: Request): Outcome | Promise<Outcome> {
    if (req.op === 'unwatch' || req.op === 'cancel') {
      const target = req.op === 'unwatch' ? req.watch : req.stream;
      const key = streamKey(target);
      const s = this.streams.get(key);
      if (s && req.op === 'unwatch' && s.type !== 'watch') {
        throw new ApiError(400, 'BadRequest', `stream ${JSON.stringify(target)} is a ${s.type} stream; use "cancel"`);
      }
      if (s) {
        this.streams.delete(key);
        s.stop();
      }
      const result: StreamStopped = { stream: target, stopped: s !== undefined };
      return { result };
    }
    if (req.op === 'watch' || req.op === 'conditions' || req.op === 'logs') {
      if (this.streams.has(streamKey(req.id))) {
        throw new ApiError(400, 'BadRequest', `a stream with id ${JSON.stringify(req.id)} is already open on this connection`);
      }
      if (this.streams.size >= this.ctx.limits.maxStreams) {
        throw new ApiError(429, 'TooManyRequests', `too many open streams on this connection (limit ${this.ctx.limits.maxStreams}); cancel some first`);
      }
    }
    return handle(this.ctx, this, req);
  }

  private finish(req: Request, o: Outcome): void {
    this.send({ id: req.id, ok: true, result: o.result });
    if (o.after) o.after();
  }

  private respondError(id: RequestId | null, e: unknown): void {
    const err = toClientError(e);
    if (err.code >= 500 && err.reason === 'InternalError') this.log.error({ err: e, id }, 'request failed');
    this.send({ id, ok: false, error: err.toStatus() });
  }

  /** Every callback from the socket runs through here: a bug serving one client never crashes the daemon. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error({ err: e }, 'unexpected error while serving a connection');
      try {
        this.closeWith(CloseCodes.InternalError, 'internal error', 'unexpected exception');
      } catch {
        this.ws.terminate();
      }
    }
  }
}
