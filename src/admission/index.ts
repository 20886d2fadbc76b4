// Admission: ordered hooks per kind and operation, run with the write in one store transaction
// (async prechecks first, outside it). See docs/store.md, "Admission".
export type * from './types.js';
export { createApi, type ApiDeps } from './api.js';
export { defaultHooks } from './hooks/index.js';
export * from './hooks/index.js';
export { isPrecheckStale, precheckStale, PrecheckStaleError } from './prechecks.js';
export { schemaCauses } from './schema.js';
