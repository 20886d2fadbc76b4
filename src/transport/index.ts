// The WebSocket gateway (server) and its client library. See docs/protocol.md.
export * from './protocol.js';
export { readEndpointFile, writeEndpointFile } from './endpoint.js';
export { startGateway, type Gateway, type GatewayOptions, type GatewayStats } from './server/gateway.js';
export type { LogSource } from './server/context.js';
export type { ConnectionStats } from './server/connection.js';
export { fileLogSource, type FileLogSourceOptions, type LogStream } from './server/file-log-source.js';
export { connect, type Client, type ConnectOptions, type NamespaceOption } from './client/client.js';
export type { ClientWatch, ClientWatchEvent, WatchOptions } from './client/watch.js';
export type { ConditionStream, ConditionUpdate, WaitForConditionOptions } from './client/conditions.js';
export type { LogsOptions } from './client/logs.js';
export {
  ConditionFailedError,
  closeCodeOf,
  isConditionFailed,
  isConnectionClosed,
  isDaemonNotRunning,
} from './client/errors.js';
