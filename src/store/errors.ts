// The store's error texts, shaped like the Kubernetes API server's where one exists.
import { ApiError, describe, errors, type KindInfo, type StatusCause } from '../api/index.js';

export function unknownKind(kind: string): ApiError {
  return new ApiError(404, 'NotFound', `the server doesn't have a resource type "${kind}"`, { kind });
}

export function namespaceRequired(info: KindInfo, name: string): ApiError {
  return errors.badRequest(
    `${describe(info.resource, name)}: ${info.kind} is namespaced; a namespace is required`,
    { kind: info.kind, name },
  );
}

export function namespaceNotAllowed(info: KindInfo, name: string, ns: string): ApiError {
  return errors.badRequest(
    `${describe(info.resource, name)}: ${info.kind} is cluster-scoped; remove the namespace "${ns}"`,
    { kind: info.kind, name },
  );
}

export function apiVersionMismatch(info: KindInfo, got: string): ApiError {
  return errors.badRequest(
    `the API version in the data (${got}) does not match the expected API version (${info.apiVersion})`,
    { kind: info.kind },
  );
}

export function invalid(info: KindInfo, name: string, causes: readonly StatusCause[]): ApiError {
  const e = errors.invalid(info.resource, name, causes);
  return new ApiError(e.code, e.reason, e.message, { ...e.details, kind: info.kind });
}

export function notFound(info: KindInfo, name: string): ApiError {
  return errors.notFound(info.resource, name, { kind: info.kind });
}

export function alreadyExists(info: KindInfo, name: string): ApiError {
  return errors.alreadyExists(info.resource, name, { kind: info.kind });
}

export function conflict(info: KindInfo, name: string, why?: string): ApiError {
  const e = errors.conflict(info.resource, name, why);
  return new ApiError(e.code, e.reason, e.message, { ...e.details, kind: info.kind });
}

export function rvOnCreate(info: KindInfo, name: string): ApiError {
  return errors.badRequest(
    `${describe(info.resource, name)}: resourceVersion should not be set on objects to be created`,
    { kind: info.kind, name },
  );
}

export function rvRequired(info: KindInfo, name: string): ApiError {
  return invalid(info, name, [
    {
      field: 'metadata.resourceVersion',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: 0x0: must be specified for an update',
    },
  ]);
}

export function badResourceVersion(rv: string): ApiError {
  return errors.badRequest(`invalid resourceVersion "${rv}": expected a decimal revision`);
}

export function tooLargeResourceVersion(rv: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

export function noStatusSubresource(info: KindInfo): ApiError {
  return new ApiError(404, 'NotFound', `${info.resource} has no status subresource`, { kind: info.kind });
}

export function newFinalizersWhileDeleting(info: KindInfo, name: string, added: readonly string[]): ApiError {
  const list = added.map((f) => JSON.stringify(f)).join(', ');
  return invalid(info, name, [
    {
      field: 'metadata.finalizers',
      reason: 'FieldValueForbidden',
      message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${list}}`,
    },
  ]);
}

export function preconditionFailed(info: KindInfo, name: string, what: 'UID' | 'ResourceVersion', want: string, got: string): ApiError {
  return conflict(info, name, `Precondition failed: ${what} in precondition: ${want}, ${what} in object meta: ${got}`);
}

export function identityMismatch(info: KindInfo, field: 'name' | 'namespace', body: string, target: string): ApiError {
  return errors.badRequest(
    `${describe(info.resource, target)}: the ${field} of the object (${body}) does not match the ${field} of the target (${target})`,
    { kind: info.kind, name: target },
  );
}
