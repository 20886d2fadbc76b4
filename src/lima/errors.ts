// LimaError: a failed limactl operation, classified from limactl's fatal message (docs/lima.md#conventions-of-limactl:
// every failure exits 1, so the text is the only signal). Callers branch on `code`, never on text.
import type { LimaErrorCode } from './types.js';

const brand = Symbol.for('rdd.LimaError');

export interface LimaErrorFields {
  readonly code: LimaErrorCode;
  /** The limactl command line (without the binary), e.g. `start --timeout=900000ms dev`. */
  readonly command: string;
  /** limactl's last fatal/error message verbatim, or a sentence of ours when there is none. */
  readonly shortMessage: string;
  readonly exitCode?: number;
  /** The last stderr lines (messages only), oldest first. */
  readonly stderrTail?: readonly string[];
  readonly cause?: unknown;
}

/** A limactl operation that failed; `shortMessage` keeps limactl's own words for conditions. */
export class LimaError extends Error {
  readonly [brand] = true;
  readonly code: LimaErrorCode;
  readonly command: string;
  readonly shortMessage: string;
  readonly exitCode: number | undefined;
  readonly stderrTail: readonly string[];

  constructor(f: LimaErrorFields) {
    super(`limactl ${f.command}: ${f.shortMessage}`, f.cause === undefined ? undefined : { cause: f.cause });
    this.code = f.code;
    this.command = f.command;
    this.shortMessage = f.shortMessage;
    this.exitCode = f.exitCode;
    this.stderrTail = f.stderrTail ?? [];
  }
}
// Non-enumerable, on the prototype, like execa's error names.
Object.defineProperty(LimaError.prototype, 'name', { value: 'LimaError', enumerable: false });

/** Brand check that works across module copies (no instanceof). */
export function isLimaError(e: unknown): e is LimaError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}

/** True when `e` is a LimaError with this code. */
export function isLimaErrorCode(e: unknown, code: LimaErrorCode): boolean {
  return isLimaError(e) && e.code === code;
}
