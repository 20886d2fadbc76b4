// Host capacity for App defaults and bounds, measured on every call (rdd-anchor.md §8 item 22).
import { availableParallelism, totalmem } from 'node:os';
import type { HostInfo } from '../admission/types.js';

export const liveHostInfo: HostInfo = {
  cpus: () => availableParallelism(),
  memoryBytes: () => totalmem(),
};
