// Stand-ins for the few Node globals the client library touches, injected by the browser build
// (scripts/bundle-dashboard.mjs) instead of polyfilling Node: text frames in place of Buffer, and
// timers with Node's unref/ref (no-ops: a page has no event loop to keep alive).

/** A received text frame, shaped like the Buffer the client's JSON codec decodes. */
export class TextFrame {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export const Buffer = {
  isBuffer: (v: unknown): boolean => v instanceof TextFrame,
  from: (v: unknown): TextFrame => new TextFrame(String(v)),
  concat: (parts: readonly unknown[]): TextFrame => new TextFrame(parts.map(String).join('')),
};

/** What the native timer functions return (a number in a page; typed by the Node types this build also sees). */
type NativeHandle = ReturnType<typeof globalThis.setTimeout>;

class Timer {
  constructor(readonly handle: NativeHandle) {}
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
}

type TimerArg = Timer | number | undefined;
const handleOf = (t: TimerArg): NativeHandle | number | undefined => (t instanceof Timer ? t.handle : t);

const nativeSetTimeout = globalThis.setTimeout.bind(globalThis);
const nativeClearTimeout = globalThis.clearTimeout.bind(globalThis);
const nativeSetInterval = globalThis.setInterval.bind(globalThis);
const nativeClearInterval = globalThis.clearInterval.bind(globalThis);

function setTimeoutShim(fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): Timer {
  return new Timer(nativeSetTimeout(fn, ms, ...args));
}
function clearTimeoutShim(t: TimerArg): void {
  nativeClearTimeout(handleOf(t));
}
function setIntervalShim(fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): Timer {
  return new Timer(nativeSetInterval(fn, ms, ...args));
}
function clearIntervalShim(t: TimerArg): void {
  nativeClearInterval(handleOf(t));
}

export { setTimeoutShim as setTimeout, clearTimeoutShim as clearTimeout, setIntervalShim as setInterval, clearIntervalShim as clearInterval };
