// The layers of src/ (docs/architecture.md), checked by `npm run lint` (depcruise src).
// Each layer names what it may import besides itself; anything else is an error. Type-only
// imports count too, except where a rule says otherwise. Exceptions are scoped to one file and
// one import and say why; they are known debts listed in docs/architecture.md#known-exceptions.

/** Matches a module path relative to the repository root. */
const any = (...res) => `^(${res.join('|')})`;

// The bottom: resource types, errors, backoff; and the top-level utilities (logger, package root).
const API = 'src/api/';
const UTIL = 'src/(log|package-root|code-cache)[.]ts$';
const STORE = 'src/store/';
const SUPERVISOR = 'src/supervisor/';
/** The kernel's narrow face for the edges: its error type (no imports) and its public types. */
const KERNEL_ERROR = 'src/supervisor/kernel-error[.]ts$';
const KERNEL_TYPES = 'src/supervisor/types[.]ts$';
const LIMA = 'src/lima/';
/** The in-memory Lima for actor tests: a model of the simulator on the kernel's clock. */
const LIMA_MEMORY = 'src/lima/memory/';
/** Lima's on-disk layout (file names): the gateway's log source reads those files. */
const LIMA_LAYOUT = 'src/lima/layout[.]ts$';
const LIMA_SIM = 'src/sim/';
const ADMISSION = 'src/admission/';
const ACTORS = 'src/actors/';
/** Wire protocol, codec, endpoint file, request parsing: shared by the gateway and its clients. */
const TRANSPORT_SHARED = 'src/transport/(?!index[.]ts$)[^/]+[.]ts$';
/** The barrel re-exports server and client; only the composition root uses it. */
const TRANSPORT_BARREL = 'src/transport/index[.]ts$';
const TRANSPORT_CLIENT = 'src/transport/client/';
const GATEWAY = 'src/transport/server/';
const DASHBOARD_SERVER = 'src/dashboard/server/';
const DASHBOARD_BROWSER = 'src/dashboard/browser/';
const KUBEAPI = 'src/kubeapi/';
const CLI = 'src/cli/';
/** The instance model: which instance, its paths, its config.json, the package version. Read by the CLI too. */
const INSTANCE_MODEL = 'src/service/(instance|config|version)[.]ts$';
const SERVICE = 'src/service/';
/** `rdd service serve` runs the daemon in the CLI's process. */
const DAEMON_ENTRY = 'src/service/serve[.]ts$';

/**
 * Known violations of today's code, each scoped to one importing file and one imported module, so
 * the file stays checked for everything else. They are debts with an owner (issue 13), listed in
 * docs/architecture.md#known-exceptions; remove an entry once its import is gone.
 */
const EXCEPTIONS = [
  // The store's result shapes travel on the wire; they belong in src/api (issue 13, point 3: protocol
  // types derived from the schemas). Type-only, so no store code reaches a client.
  { from: 'src/transport/protocol.ts', to: 'src/store/types.ts', typeOnly: true },
  { from: 'src/transport/client/client.ts', to: 'src/store/types.ts', typeOnly: true },
  { from: 'src/transport/client/host.ts', to: 'src/store/types.ts', typeOnly: true },
  { from: 'src/transport/client/watch.ts', to: 'src/store/types.ts', typeOnly: true },
  // The Kubernetes API's Table reuses the CLI's column definitions; they belong below both (src/api).
  { from: 'src/kubeapi/table.ts', to: 'src/cli/output/columns.ts' },
  // The CLI reads Lima's pid files and finds limactl itself; issue 13, point 4 puts Lima behind one
  // boundary that the CLI reaches through the daemon.
  { from: 'src/cli/daemon/state.ts', to: 'src/lima/driver/process.ts' },
  { from: 'src/cli/daemon/cleanup.ts', to: 'src/lima/driver/process.ts' },
  { from: 'src/cli/daemon/cleanup.ts', to: 'src/lima/driver/instance-files.ts' },
  { from: 'src/cli/commands/limavm.ts', to: 'src/lima/driver/resolve.ts' },
  // `rdd service status` reads the host port claims; the claim files belong to the instance model.
  { from: 'src/cli/commands/service.ts', to: 'src/actors/app/port.ts' },
];

const exact = (file) => `^${file.replace(/[.]/g, '[.]')}$`;

/** One layer: `from` may import itself and `allowed`, nothing else in src/ (minus the EXCEPTIONS). */
function layer(name, comment, from, allowed, extra = {}) {
  const base = any(from, ...allowed);
  const excepted = EXCEPTIONS.filter((e) => new RegExp(`^${from}`).test(e.from) && !(extra.fromNot ?? []).some((n) => new RegExp(`^${n}`).test(e.from)));
  const files = [...new Set(excepted.map((e) => e.from))];
  const rule = (suffix, fromSpec, toNot) => ({
    name: name + suffix,
    comment,
    severity: 'error',
    from: fromSpec,
    to: { path: '^src/', pathNot: toNot },
  });
  const fromNot = [...(extra.fromNot ?? []), ...files.map((f) => f.replace(/[.]/g, '[.]') + '$')];
  const rules = [rule('', { path: any(from), ...(fromNot.length > 0 ? { pathNot: any(...fromNot) } : {}) }, base)];
  for (const f of files) {
    const targets = excepted.filter((e) => e.from === f);
    // The same rule for the excepted file, with its one known import let through ...
    rules.push(rule(' (known exception)', { path: exact(f) }, [base, ...targets.map((e) => exact(e.to))].join('|')));
    // ... and only as a type-only import where that is all the exception allows.
    for (const e of targets.filter((t) => t.typeOnly)) {
      rules.push({
        name: `${name} (known exception, type-only)`,
        comment: `${e.from} may import ${e.to} for types only.`,
        severity: 'error',
        from: { path: exact(e.from) },
        to: { path: exact(e.to), dependencyTypesNot: ['type-only'] },
      });
    }
  }
  return rules;
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circle anywhere in src/ (type-only imports included): a circle makes load order and layering meaningless.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'only-the-kernel-imports-nact',
      comment: 'nact 7.6.2 has verified bugs; only src/supervisor/ uses it, through start/spawn/dispatch/stop (docs/actors.md#nact-what-the-kernel-uses-and-what-it-avoids).',
      severity: 'error',
      from: { path: '^src/', pathNot: any(SUPERVISOR) },
      to: { path: '(^|/)node_modules/nact/' },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },

    // ---- one rule per layer: what it may import besides itself ----
    ...layer('api-is-the-bottom', 'src/api imports nothing else from src/.', API, []),
    ...layer('utilities-are-leaves', 'The top-level utilities (log.ts, package-root.ts, code-cache.ts) import nothing from src/.', UTIL, []),
    ...layer('store-over-api', 'The store knows resources and errors, nothing above.', STORE, [API, UTIL]),
    ...layer('kernel-over-api', 'The actor kernel is generic: it knows no resource, store or transport.', SUPERVISOR, [API, UTIL]),
    ...layer('lima-over-api', 'The Lima driver and watcher know Lima, not the store, the actors or the kernel.', LIMA, [API, UTIL], {
      fromNot: [LIMA_MEMORY],
    }),
    ...layer('memory-lima-models-the-simulator', 'The in-memory Lima reuses the simulator\'s template checks and fault knobs, and runs on the kernel\'s clock (its type only).', LIMA_MEMORY, [
      LIMA,
      LIMA_SIM,
      KERNEL_TYPES,
      API,
      UTIL,
    ]),
    ...layer('simulator-is-its-own-program', 'The Lima simulator is a separate executable: it may reuse the driver\'s process helpers only.', LIMA_SIM, [LIMA, API, UTIL]),
    ...layer('admission-over-store', 'Admission hooks sit between the edges and the store.', ADMISSION, [STORE, API, UTIL]),
    ...layer('actors-over-kernel-lima-admission-store', 'Resource actors use the kernel, the driver, admission and the store; nothing at the edges.', ACTORS, [
      ADMISSION,
      STORE,
      LIMA,
      SUPERVISOR,
      API,
      UTIL,
    ]),
    ...layer('transport-shared-over-api', 'The wire protocol and codec are shared with clients and the browser: no server code.', TRANSPORT_SHARED, [API, UTIL]),
    ...layer('client-over-protocol', 'The client library runs in the CLI and the browser: protocol and api only.', TRANSPORT_CLIENT, [TRANSPORT_SHARED, API, UTIL]),
    ...layer('gateway-over-admission-store', 'The WebSocket gateway (with the status page server) serves admission and the store; the kernel only through its error type; Lima only by its file names (the logs op).', GATEWAY, [
      DASHBOARD_SERVER,
      LIMA_LAYOUT,
      TRANSPORT_SHARED,
      ADMISSION,
      STORE,
      KERNEL_ERROR,
      KERNEL_TYPES,
      API,
      UTIL,
    ]),
    ...layer('dashboard-server-over-api', 'The status page\'s server side (sign-in, static files) is part of the gateway.', DASHBOARD_SERVER, [TRANSPORT_SHARED, API, UTIL]),
    ...layer('kubeapi-over-admission-store', 'The Kubernetes API is the second front door: like the gateway, whose auth and outbound flow control it reuses.', KUBEAPI, [
      GATEWAY,
      TRANSPORT_SHARED,
      ADMISSION,
      STORE,
      KERNEL_ERROR,
      KERNEL_TYPES,
      INSTANCE_MODEL,
      API,
      UTIL,
    ]),
    {
      name: 'edges-see-the-kernel-through-types',
      comment: 'The gateway and the Kubernetes API may name the kernel\'s public types (a Kernel handed to them), never load its code.',
      severity: 'error',
      from: { path: any(GATEWAY, KUBEAPI) },
      to: { path: any(KERNEL_TYPES), dependencyTypesNot: ['type-only'] },
    },
    ...layer('cli-is-a-client', 'The CLI talks to the daemon through the client library; it reads the instance model, and loads the daemon only by the dynamic import in `rdd service serve`.', CLI, [
      TRANSPORT_CLIENT,
      TRANSPORT_SHARED,
      INSTANCE_MODEL,
      DAEMON_ENTRY,
      API,
      UTIL,
    ]),
    {
      name: 'cli-loads-the-daemon-lazily',
      comment: 'Client commands must not load the store, the actors and the driver: the daemon entry is imported dynamically, by `rdd service serve` only.',
      severity: 'error',
      from: { path: any(CLI), pathNot: exact('src/cli/commands/service.ts') },
      to: { path: any(DAEMON_ENTRY) },
    },
    {
      name: 'cli-loads-the-daemon-lazily (dynamic import)',
      comment: 'Client commands must not load the store, the actors and the driver: the daemon entry is imported dynamically, by `rdd service serve` only.',
      severity: 'error',
      from: { path: any(CLI) },
      to: { path: any(DAEMON_ENTRY), dependencyTypesNot: ['dynamic-import'] },
    },
    ...layer('browser-is-a-client', 'The status page runs in a browser: client library, protocol, api and the CLI\'s wait verdicts only.', DASHBOARD_BROWSER, [
      TRANSPORT_CLIENT,
      TRANSPORT_SHARED,
      'src/cli/wait/',
      API,
    ]),
    ...layer('instance-model-is-a-leaf', 'The instance model is read by the CLI and the edges, so it must not drag the daemon in.', INSTANCE_MODEL, [API, UTIL]),
    ...layer('transport-barrel', 'The transport barrel re-exports the gateway and the client for the composition root.', TRANSPORT_BARREL, [
      TRANSPORT_SHARED,
      TRANSPORT_CLIENT,
      GATEWAY,
      API,
      UTIL,
    ]),
    {
      name: 'every-module-has-a-layer',
      comment: 'A new folder under src/ needs its own layer rule here (and a line in docs/architecture.md).',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: any(API, UTIL, STORE, SUPERVISOR, LIMA, LIMA_SIM, ADMISSION, ACTORS, TRANSPORT_SHARED, TRANSPORT_BARREL, TRANSPORT_CLIENT, GATEWAY, DASHBOARD_SERVER, DASHBOARD_BROWSER, KUBEAPI, CLI, SERVICE),
      },
      to: { path: '^src/' },
    },
  ],
  options: {
    // Type-only imports are dependencies too (they are erased at run time, not in the design).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // The browser build has its own tsconfig; its imports resolve the same way (relative .js to .ts).
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
