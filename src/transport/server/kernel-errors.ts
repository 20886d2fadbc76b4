// The edge where kernel failures meet clients. The actor kernel throws KernelErrors (its own codes,
// no HTTP); a request handler that lets one escape gets it answered here as the Status a client
// understands, with the kernel's message kept. Everything else goes through toApiError unchanged.
import { ApiError, toApiError } from '../../api/index.js';
import { isKernelError, type KernelError } from '../../supervisor/kernel-error.js';

/** The Status for one kernel failure: overload and shutdown are retryable, a timeout is 504, misuse is 400. */
export function kernelErrorToApi(e: KernelError): ApiError {
  const name = e.details.path;
  const nameOnly = name === undefined ? undefined : { name };
  switch (e.code) {
    case 'AskTimeout':
    case 'NotQuiescent':
      return new ApiError(504, 'Timeout', e.message, nameOnly, { cause: e });
    case 'ActorStopped':
    case 'KernelClosed':
      return new ApiError(503, 'ServiceUnavailable', e.message, nameOnly, { cause: e });
    case 'StashFull':
      return new ApiError(429, 'TooManyRequests', e.message, { ...nameOnly, retryAfterSeconds: 1 }, { cause: e });
    case 'DuplicateName':
      return new ApiError(409, 'AlreadyExists', e.message, nameOnly, { cause: e });
    case 'NotSpawnable':
      return new ApiError(409, 'Conflict', e.message, nameOnly, { cause: e });
    case 'ForeignRef':
    case 'NotAChild':
      return new ApiError(400, 'BadRequest', e.message, nameOnly, { cause: e });
    case 'InvalidSpec': {
      const causes = (e.details.fields ?? []).map((f) => ({ field: f.field, reason: 'FieldValueInvalid', message: f.message }));
      return new ApiError(422, 'Invalid', e.message, { causes }, { cause: e });
    }
  }
}

/** toApiError for the request edges (gateway, Kubernetes API): a KernelError keeps its meaning. */
export function toClientError(e: unknown): ApiError {
  return isKernelError(e) ? kernelErrorToApi(e) : toApiError(e);
}

