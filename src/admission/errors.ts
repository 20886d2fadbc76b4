// Error helpers for admission: Kubernetes-shaped messages with the kind in the details.
import { ApiError, errors, type KindInfo, type StatusCause } from '../api/index.js';

export function invalid(info: KindInfo, name: string, causes: readonly StatusCause[]): ApiError {
  const e = errors.invalid(info.resource, name, causes);
  return new ApiError(e.code, e.reason, e.message, { ...e.details, kind: info.kind });
}

export function forbidden(info: KindInfo, name: string, message: string): ApiError {
  return errors.forbidden(message, { kind: info.kind, name });
}

/** Re-labels an error raised by a nested step with the step that failed, keeping its code. */
export function wrap(prefix: string, e: ApiError): ApiError {
  return new ApiError(e.code, e.reason, `${prefix}: ${e.message}`, e.details, { cause: e });
}
