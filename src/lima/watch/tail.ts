// Follows a log file by polling: reads from the start, buffers partial lines, and when the path is
// unlinked, replaced (each `limactl start` recreates ha.stdout.log) or truncated, drains what the
// old file still holds and starts over on the new one. Synchronous; the caller decides when to poll.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

export interface TailHandlers {
  /** One complete line, without its newline. */
  readonly onLine: (line: string) => void;
  /** A different file appeared at the path (not called for the first one). */
  readonly onReplaced: () => void;
}

const CHUNK = 64 * 1024;
/** At most this much per poll, so one huge file cannot starve the event loop. */
const MAX_PER_POLL = 4 * 1024 * 1024;

export class FileTailer {
  #fd: number | undefined;
  #ino = -1;
  #dev = -1;
  #offset = 0;
  #partial: Buffer = Buffer.alloc(0);
  #opened = false;
  #closed = false;
  readonly #buf = Buffer.alloc(CHUNK);

  constructor(
    readonly path: string,
    private readonly h: TailHandlers,
  ) {}

  /** Reads whatever is new; handles replacement and truncation. */
  poll(): void {
    if (this.#closed) return;
    let st: { ino: number; dev: number; size: number } | undefined;
    try {
      st = statSync(this.path);
    } catch {
      st = undefined;
    }
    if (this.#fd !== undefined) {
      if (!st || st.ino !== this.#ino || st.dev !== this.#dev) {
        // Gone or replaced: the old inode may still hold lines written before the unlink.
        this.#drain();
        this.#flushPartial();
        this.#closeFd();
      } else if (st.size < this.#offset) {
        this.#offset = 0;
        this.#partial = Buffer.alloc(0);
        this.h.onReplaced();
      }
    }
    if (this.#fd === undefined && st) this.#open();
    if (this.#fd !== undefined) this.#drain();
  }

  close(): void {
    this.#closed = true;
    this.#closeFd();
  }

  #open(): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return; // vanished between stat and open; the next poll retries
    }
    const st = fstatSync(fd);
    this.#fd = fd;
    this.#ino = st.ino;
    this.#dev = st.dev;
    this.#offset = 0;
    this.#partial = Buffer.alloc(0);
    if (this.#opened) this.h.onReplaced();
    this.#opened = true;
  }

  #drain(): void {
    if (this.#fd === undefined) return;
    let total = 0;
    while (total < MAX_PER_POLL) {
      const n = readSync(this.#fd, this.#buf, 0, CHUNK, this.#offset);
      if (n <= 0) break;
      this.#offset += n;
      total += n;
      this.#consume(this.#buf.subarray(0, n));
    }
  }

  #consume(chunk: Buffer): void {
    let data = this.#partial.length > 0 ? Buffer.concat([this.#partial, chunk]) : Buffer.from(chunk);
    let nl = data.indexOf(0x0a);
    while (nl !== -1) {
      const line = data.subarray(0, nl).toString('utf8').replace(/\r$/, '');
      data = data.subarray(nl + 1);
      if (line.trim() !== '') this.h.onLine(line);
      nl = data.indexOf(0x0a);
    }
    this.#partial = Buffer.from(data);
  }

  // A writer that died mid-line leaves no newline; the remainder is still reported.
  #flushPartial(): void {
    const rest = this.#partial.toString('utf8');
    this.#partial = Buffer.alloc(0);
    if (rest.trim() !== '') this.h.onLine(rest);
  }

  #closeFd(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // already closed
    }
    this.#fd = undefined;
  }
}
