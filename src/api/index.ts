// The resource model: object metadata, kinds and schemas, conditions, typed errors.
export * from './backoff.js';
export * from './errors.js';
export * from './meta.js';
export * from './names.js';
export * from './conditions.js';
export * from './quantity.js';
export * from './kinds.js';
export * from './kind-map.js';
export * from './resources/common.js';
export * from './resources/app.js';
export * from './resources/limavm.js';
export * from './resources/configmap.js';
export * from './k3s-versions.js';
