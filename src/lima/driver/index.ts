// The limactl driver: resolving the binary, running it through execa, classifying failures,
// reading instance directories.
export { createLimaDriver, type LimaDriverHandle, type LimaDriverOptions } from './driver.js';
export { defaultTimeouts, type DriverTimeouts } from './context.js';
export {
  resolveLimactl,
  describeLimactl,
  bundledSimulatorPath,
  looksLikeSimulator,
  withVersionKind,
  toResolved,
  type ResolvedLimactl,
  type LimactlSource,
} from './resolve.js';
export { classifyLimaMessage, isAlreadyStoppedMessage, isIgnoredMissingMessage, isAlreadyRunningMessage } from './classify.js';
export { parseStderr, parseLogLine, type LogLine, type ParsedStderr } from './stderr.js';
export { readInstanceDir } from './instance-dir.js';
export { debounceBroken, type DebouncedStatus } from './debounce.js';
export { isProcessAlive, parsePid, signalThenKill } from './process.js';
export { liveHostagentPids } from './instance-files.js';
export { KeyedMutex } from './mutex.js';
export { parseListOutput } from './list-output.js';
