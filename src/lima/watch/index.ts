// The hostagent watcher: typed phase events from ha.stdout.log and the hostagent pid.
export { watchHostagent, type WatchHostagentOptions, type HostagentWatch } from './watch.js';
export { parseStatusLine, parseRfc3339, nextPhase, type Phase, type StatusLine, type HostagentStatus } from './events.js';
export { lastPhaseOf } from './last-phase.js';
export { FileTailer } from './tail.js';
