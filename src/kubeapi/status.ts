// Errors as Kubernetes `Status` objects. kubectl prints `Error from server (<reason>): <message>`
// from these, and client libraries read `code`, `reason` and `details.causes`.
import { ApiError, kindInfo, toApiError, type StatusReason } from '../api/index.js';

export interface KubeStatusCause {
  readonly reason?: string;
  readonly message: string;
  readonly field?: string;
}

export interface KubeStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  readonly reason?: StatusReason;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    /** Kubernetes puts the resource (plural) here, not the Kind. */
    readonly kind?: string;
    readonly uid?: string;
    readonly causes?: readonly KubeStatusCause[];
    readonly retryAfterSeconds?: number;
  };
  readonly code: number;
}

/** Reasons Kubernetes has that rdd's own errors do not use, for errors made in this module. */
export function kubeError(code: number, reason: StatusReason, message: string): ApiError {
  return new ApiError(code, reason, message);
}

export function toKubeStatus(e: unknown): KubeStatus {
  const err = toApiError(e);
  const d = err.details;
  const info = d?.kind ? kindInfo(d.kind) : undefined;
  const slash = info ? info.apiVersion.indexOf('/') : -1;
  const details = d
    ? {
        ...(d.name !== undefined ? { name: d.name } : {}),
        // kubectl prints `The <Kind> "<name>" is invalid` for 422 and `<resource> "<name>" not found` otherwise.
        ...(info ? { group: slash < 0 ? '' : info.apiVersion.slice(0, slash), kind: err.code === 422 ? info.kind : info.plural } : d.kind ? { kind: d.kind } : {}),
        ...(d.causes ? { causes: d.causes.map((c) => ({ ...(c.reason ? { reason: c.reason } : {}), message: c.message, ...(c.field ? { field: c.field } : {}) })) } : {}),
        ...(d.retryAfterSeconds !== undefined ? { retryAfterSeconds: d.retryAfterSeconds } : {}),
      }
    : undefined;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    ...(details && Object.keys(details).length > 0 ? { details } : {}),
    code: err.code,
  };
}
