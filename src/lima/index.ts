// Lima: the driver that runs limactl (real or the bundled simulator) and the hostagent event
// watcher. LimaVM actors use only what is exported here.
export * from './types.js';
export { LimaError, isLimaError, isLimaErrorCode, type LimaErrorFields } from './errors.js';
export * from './driver/index.js';
export * from './watch/index.js';
