// The condition stream on the client: a subscription that re-subscribes after a reconnect (and
// so delivers a fresh snapshot), and waitForCondition built on it.
import { ApiError, type Condition } from '../../api/index.js';
import type {
  ConditionMessage,
  ConditionDeletedMessage,
  ConditionRemovedMessage,
  ConditionSnapshotMessage,
  ConditionTransitionMessage,
} from '../protocol.js';
import type { RequestBody, StreamHandler } from './conn.js';
import { ConditionFailedError } from './errors.js';
import type { StreamHost } from './host.js';
import { RetryingStream } from './retrying-stream.js';

type NoSub<M> = M extends unknown ? Omit<M, 'sub' | 'conflated'> : never;
function toUpdate(m: ConditionMessage): ConditionUpdate {
  if (m.type === 'snapshot') {
    const { sub: _sub, ...update } = m;
    return update;
  }
  const { sub: _sub, conflated: _c, ...update } = m;
  return update;
}

/** What a condition subscriber receives. After a reconnect a new `snapshot` replaces the old view. */
export type ConditionUpdate =
  | NoSub<ConditionSnapshotMessage>
  | NoSub<ConditionTransitionMessage>
  | NoSub<ConditionRemovedMessage>
  | NoSub<ConditionDeletedMessage>;

export interface ConditionStream {
  /** Resolves once the first subscription was accepted (rejects if it was refused). */
  readonly started: Promise<void>;
  close(): void;
}

export class ConditionSubscription extends RetryingStream implements ConditionStream {
  constructor(
    host: StreamHost,
    private readonly target: { kind: string; name?: string; namespace?: string },
    private readonly onUpdate: (u: ConditionUpdate) => void,
    onError?: (err: ApiError) => void,
  ) {
    super(host, 'condition stream', onError);
    void this.run();
  }

  protected cancelRequest(id: number): RequestBody<'cancel'> {
    return { op: 'cancel', stream: id };
  }

  private async run(): Promise<void> {
    if (this.stopped || this.host.closed) return;
    try {
      const conn = await this.host.connection();
      if (this.stopped) return;
      const id = conn.newId();
      const handler: StreamHandler<ConditionMessage> = {
        onMessage: (m) => {
          if (this.stopped || this.current?.id !== id) return;
          try {
            this.onUpdate(toUpdate(m));
          } catch (e) {
            this.host.log?.error({ err: e }, 'condition consumer threw');
          }
        },
        onConnectionClosed: () => {
          if (this.current?.id === id) this.failed(new ApiError(503, 'ServiceUnavailable', 'condition stream connection lost'));
        },
      };
      this.current = { conn, id };
      await conn.request(
        {
          op: 'conditions',
          kind: this.target.kind,
          ...(this.target.namespace !== undefined ? { namespace: this.target.namespace } : {}),
          ...(this.target.name !== undefined ? { name: this.target.name } : {}),
        },
        { id, handler },
      );
      this.opened();
    } catch (e) {
      this.failed(e);
    }
  }

  private failed(e: unknown): void {
    this.retryOrGiveUp(e, () => void this.run());
  }
}

export interface WaitForConditionOptions {
  namespace?: string;
  /** The condition type (compared case-insensitively, as kubectl does). */
  type: string;
  /** Default 'True' (case-insensitive). */
  status?: string;
  reason?: string;
  /** Only a condition with observedGeneration >= this counts (one without observedGeneration never does). */
  minObservedGeneration?: number;
  /** Only a condition whose lastTransitionTime is at or after this instant (to the second) counts. */
  since?: Date | string | number;
  /** A condition (any type) for which this returns true ends the wait with ConditionFailedError. */
  failFast?(c: Condition): boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Every condition seen on the object (snapshot and transitions), for progress displays. */
  onTransition?(c: Condition): void;
}

/** Seconds-precision floor, because lastTransitionTime has second precision. */
function sinceMs(since: Date | string | number): number {
  const ms = since instanceof Date ? since.getTime() : typeof since === 'number' ? since : Date.parse(since);
  if (Number.isNaN(ms)) throw new ApiError(400, 'BadRequest', `invalid "since" time ${JSON.stringify(since)}`);
  return Math.floor(ms / 1000) * 1000;
}

const eqi = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Resolves with the first condition that matches; see WaitForConditionOptions. */
export function waitForCondition(
  subscribe: (onUpdate: (u: ConditionUpdate) => void, onError: (e: ApiError) => void) => ConditionStream,
  kind: string,
  name: string,
  o: WaitForConditionOptions,
): Promise<Condition> {
  const wantStatus = o.status ?? 'True';
  const from = o.since === undefined ? undefined : sinceMs(o.since);
  const current = (c: Condition): boolean => {
    if (from !== undefined && !(Date.parse(c.lastTransitionTime) >= from)) return false;
    if (o.minObservedGeneration !== undefined && c.observedGeneration !== undefined && c.observedGeneration < o.minObservedGeneration) {
      return false;
    }
    return true;
  };
  const matches = (c: Condition): boolean =>
    eqi(c.type, o.type) &&
    eqi(c.status, wantStatus) &&
    (o.reason === undefined || c.reason === o.reason) &&
    (o.minObservedGeneration === undefined || (c.observedGeneration ?? -1) >= o.minObservedGeneration) &&
    current(c);
  const what = `${kind} "${name}" condition ${o.type}=${wantStatus}${o.reason ? ` (reason ${o.reason})` : ''}`;

  return new Promise<Condition>((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(o.signal.reason);
      return;
    }
    let done = false;
    const ref: { stream?: ConditionStream } = {};
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      ref.stream?.close();
      fn();
    };
    const onAbort = (): void => finish(() => reject(o.signal?.reason));
    const timer = setTimeout(
      () => finish(() => reject(new ApiError(504, 'Timeout', `timed out after ${o.timeoutMs} ms waiting for ${what}`))),
      o.timeoutMs,
    );
    o.signal?.addEventListener('abort', onAbort, { once: true });

    const see = (c: Condition, ns: string): void => {
      if (done) return;
      o.onTransition?.(c);
      if (matches(c)) return finish(() => resolve(c));
      if (o.failFast && current(c) && o.failFast(c)) finish(() => reject(new ConditionFailedError(kind, name, ns, c)));
    };
    ref.stream = subscribe(
      (u) => {
        switch (u.type) {
          case 'snapshot':
            for (const obj of u.objects) {
              if (obj.name !== name) continue;
              for (const c of obj.conditions) see(c, obj.namespace);
            }
            return;
          case 'condition':
            see(u.condition, u.namespace);
            return;
          case 'removed':
            return;
          case 'deleted':
            finish(() => reject(new ApiError(404, 'NotFound', `${kind} "${name}" was deleted while waiting for ${what}`, { kind, name })));
            return;
        }
      },
      (e) => finish(() => reject(e)),
    );
    if (done) ref.stream.close();
  });
}
