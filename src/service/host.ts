// Host capacity for the App's cpus/memory defaults and bounds (admission/hooks/app-defaults.ts).
// Measured on every call, not cached at startup: what the host offers can change while the daemon
// runs (availableParallelism follows this process's CPU affinity).
import { availableParallelism, totalmem } from 'node:os';
import type { HostInfo } from '../admission/types.js';

export const liveHostInfo: HostInfo = {
  cpus: () => availableParallelism(),
  memoryBytes: () => totalmem(),
};
