// Log streaming on the client: an async iterable over the lines the daemon sends. Leaving the
// loop early cancels the stream on the server.
import { ApiError } from '../../api/index.js';
import type { LogMessage } from '../protocol.js';
import type { Conn } from './conn.js';

export interface LogsOptions {
  stream?: 'stdout' | 'stderr';
  follow?: boolean;
}

export async function* streamLogs(connection: () => Promise<Conn>, name: string, o: LogsOptions): AsyncGenerator<string> {
  const conn = await connection();
  const id = conn.newId();
  const lines: string[] = [];
  let ended = false;
  let failure: ApiError | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const started = conn.request(
    { op: 'logs', name, ...(o.stream ? { stream: o.stream } : {}), ...(o.follow !== undefined ? { follow: o.follow } : {}) },
    {
      id,
      handler: {
        onMessage: (m: LogMessage) => {
          if ('lines' in m) lines.push(...m.lines);
          else if ('done' in m) ended = true;
          else if ('error' in m) failure = ApiError.fromStatus(m.error);
          notify();
        },
        onConnectionClosed: (err) => {
          failure ??= err;
          notify();
        },
      },
    },
  );
  await started;
  try {
    for (;;) {
      while (lines.length > 0) {
        for (const line of lines.splice(0)) yield line;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    conn.dropHandler(id);
    if (!ended && !failure && conn.isOpen) conn.request({ op: 'cancel', stream: id }).catch(() => undefined);
  }
}
