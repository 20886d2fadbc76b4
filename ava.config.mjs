// ava's settings. A file (not package.json) because the file order is a function.
//
// The suite is mostly waiting on real processes (daemons, CLIs, the Lima simulator, Chromium),
// so it runs more files at once than there are cores. The files that start those processes run
// first: they are the long ones, and a long file started near the end is a tail during which the
// other worker slots sit idle. The order changes only when files run, never what a test checks.
const LONG_FIRST = [
  /\/cli\/e2e-service\./,
  /\/cli\/e2e-/,
  /\/dashboard\/vm\./,
  /\/kubeapi\/kubectl\./,
  /\/lima\/contract\/(driver|faults|cli|lifecycle)\./,
  /\/lima\/driver\/driver-(sim|scripted)\./,
  /\/dashboard\//,
  /\/lima\/watch\/watch-sim\./,
  /\/transport\/fuzz\./,
  /\/actors\/(app-crash|sim-layer)\./,
];

const rank = (file) => {
  const i = LONG_FIRST.findIndex((re) => re.test(file));
  return i === -1 ? LONG_FIRST.length : i;
};

export default {
  files: ['dist/test/**/*.test.js'],
  timeout: '2m',
  concurrency: 4,
  // Threads start faster than processes; the tests never chdir or share process-wide state.
  workerThreads: true,
  sortTestFiles: (a, b) => rank(a) - rank(b) || a.localeCompare(b),
};
