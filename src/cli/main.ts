#!/usr/bin/env node
// `rdd`: parse the command line, run the command, map any error to its exit code (exit.ts).
import { runAndExit } from './run.js';

export { main } from './run.js';

await runAndExit();
