// The in-memory Lima model for fast tests: the LimaDriver contract without processes or files.
export { createMemoryLimaDriver, type MemoryLimaDriver, type MemoryLimaDriverOptions } from './driver.js';
