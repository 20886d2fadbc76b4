// Typed API errors. Every failure that crosses a module boundary toward a client is an ApiError:
// an HTTP-like code, a machine-readable reason, a message a person can act on, and field details.

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'Timeout'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'MethodNotAllowed'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType';

/** One offending field, in the shape of Kubernetes' StatusCause. */
export interface StatusCause {
  /** Dotted path of the field, e.g. `spec.virtualMachine.cpus`. */
  readonly field?: string;
  /** Short machine-readable cause, e.g. `FieldValueInvalid`. */
  readonly reason?: string;
  readonly message: string;
}

export interface StatusDetails {
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly causes?: readonly StatusCause[];
  /** Seconds after which a retry may succeed (503/504/429). */
  readonly retryAfterSeconds?: number;
}

/** The wire shape of an error (Kubernetes `Status` with status Failure). */
export interface StatusBody {
  readonly kind: 'Status';
  readonly status: 'Failure';
  readonly code: number;
  readonly reason: StatusReason;
  readonly message: string;
  readonly details?: StatusDetails;
}

const brand = Symbol.for('rdd.ApiError');

export class ApiError extends Error {
  readonly [brand] = true;
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toStatus(): StatusBody {
    return {
      kind: 'Status',
      status: 'Failure',
      code: this.code,
      reason: this.reason,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
    };
  }

  static fromStatus(s: StatusBody): ApiError {
    return new ApiError(s.code, s.reason, s.message, s.details);
  }
}

/** Brand check that works across module copies (no instanceof). */
export function isApiError(e: unknown): e is ApiError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}

export function isReason(e: unknown, reason: StatusReason): boolean {
  return isApiError(e) && e.reason === reason;
}

export const isNotFound = (e: unknown): boolean => isReason(e, 'NotFound');
export const isAlreadyExists = (e: unknown): boolean => isReason(e, 'AlreadyExists');
export const isConflict = (e: unknown): boolean => isReason(e, 'Conflict');
export const isExpired = (e: unknown): boolean => isReason(e, 'Expired') || isReason(e, 'Gone');

/** `<resource> "<name>"` the way Kubernetes names an object in messages. */
export function describe(resource: string, name: string): string {
  return `${resource} "${name}"`;
}

export const errors = {
  badRequest: (message: string, details?: StatusDetails) => new ApiError(400, 'BadRequest', message, details),
  unauthorized: (message: string) => new ApiError(401, 'Unauthorized', message),
  forbidden: (message: string, details?: StatusDetails) => new ApiError(403, 'Forbidden', message, details),
  notFound: (resource: string, name: string, details?: StatusDetails) =>
    new ApiError(404, 'NotFound', `${describe(resource, name)} not found`, { name, ...details }),
  alreadyExists: (resource: string, name: string, details?: StatusDetails) =>
    new ApiError(409, 'AlreadyExists', `${describe(resource, name)} already exists`, { name, ...details }),
  conflict: (resource: string, name: string, why?: string) =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${describe(resource, name)}: ${
        why ?? 'the object has been modified; please apply your changes to the latest version and try again'
      }`,
      { name },
    ),
  expired: (message = 'The resourceVersion for the provided watch is too old.') => new ApiError(410, 'Expired', message),
  /** 422 with one cause per offending field; the message lists them, the way kubectl prints it. */
  invalid: (resource: string, name: string, causes: readonly StatusCause[]) =>
    new ApiError(
      422,
      'Invalid',
      `${describe(resource, name)} is invalid: ${causes
        .map((c) => (c.field ? `${c.field}: ${c.message}` : c.message))
        .join(', ')}`,
      { name, causes },
    ),
  timeout: (message: string, retryAfterSeconds?: number) =>
    new ApiError(504, 'Timeout', message, retryAfterSeconds === undefined ? undefined : { retryAfterSeconds }),
  tooLarge: (message: string) => new ApiError(413, 'RequestEntityTooLarge', message),
  internal: (message: string, cause?: unknown) =>
    new ApiError(500, 'InternalError', message, undefined, cause === undefined ? undefined : { cause }),
  unavailable: (message: string, retryAfterSeconds?: number) =>
    new ApiError(503, 'ServiceUnavailable', message, retryAfterSeconds === undefined ? undefined : { retryAfterSeconds }),
  methodNotAllowed: (message: string) => new ApiError(405, 'MethodNotAllowed', message),
} as const;

/** Wraps anything thrown into an ApiError; non-API errors become 500 with the original as cause. */
export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return errors.internal(`internal error: ${message}`, e);
}
