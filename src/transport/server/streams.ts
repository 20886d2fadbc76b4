// The `conditions` and `logs` streaming operations.
import { ApiError, LIMAVM_KIND, dns1123SubdomainErrors, errors, limaInstanceNameErrors, toApiError, type KindInfo } from '../../api/index.js';
import { fieldFrameKey, frameWithField, type Frame } from '../codec.js';
import type { ConditionsRequest, ConditionSnapshotMessage, Encoding, LogsRequest, RequestId } from '../protocol.js';
import type { ConditionDelivery } from './condition-hub.js';
import { streamKey, type ConnectionPort, type GatewayContext, type Outcome, type Stream } from './context.js';
import type { OutEvent } from './outbound.js';

interface SubInfo {
  readonly id: RequestId;
  readonly streamKey: string;
  readonly encoding: Encoding;
  readonly frameKey: string;
}

/** One condition change for one subscriber: the frame is the shared one, the rest is built only if held. */
class ConditionOut implements OutEvent {
  constructor(
    private readonly s: SubInfo,
    private readonly c: ConditionDelivery,
  ) {}
  key(): string {
    return `${this.s.streamKey}\0${this.c.key}`;
  }
  msg(): object {
    return { sub: this.s.id, ...this.c.body };
  }
  frame(): Frame {
    return frameWithField(this.c.shared, this.s.encoding, 'sub', this.s.id, this.s.frameKey);
  }
}

export function startConditions(ctx: GatewayContext, conn: ConnectionPort, req: ConditionsRequest, kind: KindInfo): Outcome {
  const id = req.id;
  const info: SubInfo = { id, streamKey: streamKey(id), encoding: conn.encoding, frameKey: fieldFrameKey(conn.encoding, 'sub', id) };
  // A named object of a namespaced kind lives in "default" unless told otherwise; without a name,
  // no namespace means every namespace.
  const namespace = kind.namespaced ? req.namespace || (req.name !== undefined ? 'default' : undefined) : undefined;
  const subscription = ctx.hub.subscribe(
    { id, deliver: (c) => conn.sendEvent(new ConditionOut(info, c)) },
    kind.kind,
    namespace,
    req.name,
  );
  const stream: Stream = { type: 'conditions', stop: () => subscription.unsubscribe() };
  conn.addStream(id, stream);
  const snapshot: ConditionSnapshotMessage = {
    sub: id,
    type: 'snapshot',
    resourceVersion: subscription.resourceVersion,
    objects: subscription.objects,
  };
  return { result: { stream: id }, after: () => conn.send(snapshot) };
}

/** Lines are batched per tick, or sooner when a batch reaches this many bytes. */
const LOG_BATCH_BYTES = 32 * 1024;

/**
 * Only a LimaVM that exists has logs: the name is checked against the LimaVM name rules and the
 * store before any path is built from it. The 404 does not depend on what is on disk.
 */
function checkLogsName(ctx: GatewayContext, name: string): void {
  const problems = [...dns1123SubdomainErrors(name), ...limaInstanceNameErrors(name)];
  if (problems.length > 0) throw errors.badRequest(`invalid LimaVM name ${JSON.stringify(name)}: ${problems.join('; ')}`);
  if (ctx.store.list(LIMAVM_KIND, { name }).items.length === 0) {
    throw new ApiError(404, 'NotFound', `LimaVM "${name}" not found`, { name, kind: LIMAVM_KIND });
  }
}

export function startLogs(ctx: GatewayContext, conn: ConnectionPort, req: LogsRequest): Outcome {
  if (!ctx.logs) throw new ApiError(503, 'ServiceUnavailable', 'this daemon does not serve logs');
  const id = req.id;
  const abort = new AbortController();
  checkLogsName(ctx, req.name);
  // open() throws NotFound synchronously for a missing instance: that becomes the error response.
  // It runs before the abort listener is added, so a refused request leaves nothing behind.
  const lines = ctx.logs.open(req.name, { stream: req.stream ?? 'stdout', follow: req.follow ?? false, signal: abort.signal });
  const onConnAbort = (): void => abort.abort();
  conn.signal.addEventListener('abort', onConnAbort, { once: true });
  const stream: Stream = { type: 'logs', stop: () => abort.abort() };
  conn.addStream(id, stream);

  const pump = async (): Promise<void> => {
    let batch: string[] = [];
    let bytes = 0;
    let scheduled: NodeJS.Immediate | undefined;
    const flush = (): void => {
      if (scheduled) clearImmediate(scheduled);
      scheduled = undefined;
      if (batch.length === 0 || abort.signal.aborted) return;
      conn.send({ stream: id, lines: batch });
      batch = [];
      bytes = 0;
    };
    try {
      for await (const line of lines) {
        if (abort.signal.aborted) break;
        batch.push(line);
        bytes += line.length;
        if (bytes >= LOG_BATCH_BYTES) {
          flush();
          await conn.writable();
        } else {
          scheduled ??= setImmediate(flush);
        }
      }
      flush();
      if (!abort.signal.aborted) conn.send({ stream: id, done: true });
    } catch (e) {
      flush();
      if (!abort.signal.aborted) conn.send({ stream: id, error: toApiError(e).toStatus() });
    } finally {
      conn.signal.removeEventListener('abort', onConnAbort);
      conn.removeStream(id, stream);
    }
  };
  return {
    result: { stream: id },
    after: () => {
      pump().catch((e: unknown) => conn.log.error({ err: e, stream: id }, 'log stream failed'));
    },
  };
}
