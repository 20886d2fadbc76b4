// The status page: signs in, follows the App and LimaVMs (watches for the objects, the condition
// stream for conditions and timelines), runs actions until the CLI's own wait predicates hold,
// follows a VM's hostagent log, and says when it lost and regained the daemon.
import {
  APP_API_VERSION,
  APP_KIND,
  APP_NAME,
  LIMAVM_KIND,
  RESET_REQUESTED_ANNOTATION,
  RESTART_REQUESTED_ANNOTATION,
  isApiError,
  type Condition,
  type Resource,
} from '../../api/index.js';
import { FailureTracker, appSettled, conditionReached, gone, isFailureCondition, resetDone, restartCountAbove, vmStopped } from '../../cli/wait/predicates.js';
import type { Verdict } from '../../cli/wait/verdict.js';
import { connect, type Client } from '../../transport/client/client.js';
import type { ClientWatchEvent } from '../../transport/client/watch.js';
import { byId, h, setText, since } from './dom.js';
import { Model, keyOf, type Entry } from './model.js';
import { NEW_LINK_HINT, daemonAnswers, dropSession, keepSession, takeCredential } from './signin.js';

const model = new Model();
let client: Client;
let credential = '';
/** Set once the first complete picture (objects and conditions of every VM) is on screen. */
export const FIRST_RENDER_MARK = 'rdd:first-render';

// ---- connection state ---------------------------------------------------------------------------

function setConnection(state: 'connecting' | 'connected' | 'reconnecting' | 'signed-out', text: string): void {
  const el = byId('conn');
  el.dataset.state = state;
  setText(el, text);
}

function signInError(text: string): void {
  setConnection('signed-out', 'Not signed in');
  const el = byId('signin');
  el.replaceChildren(h('h2', {}, 'Sign-in failed'), h('p', {}, text), h('p', {}, NEW_LINK_HINT));
  el.hidden = false;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Follows the connection: says when it is lost and when (and to which daemon) it came back. */
async function watchConnection(): Promise<void> {
  let lastPid: number | undefined;
  let lost = false;
  let delay = 250;
  for (;;) {
    try {
      const hello = await client.hello();
      const { pid, version, startedAt } = hello.daemon;
      const restarted = lastPid !== undefined && lastPid !== pid;
      setConnection(
        'connected',
        lost
          ? `Reconnected to rdd ${version} (pid ${pid})${restarted ? `: the daemon restarted at ${new Date(startedAt).toLocaleTimeString()}` : ''}`
          : `Connected to rdd ${version} (pid ${pid})`,
      );
      lastPid = pid;
      delay = 250;
      const conn = client.currentConnection();
      if (conn) await new Promise<void>((r) => conn.onClosed(() => r()));
      lost = true;
      setConnection('reconnecting', 'Connection to the daemon lost; reconnecting…');
    } catch {
      if (!(await daemonAnswers())) {
        setConnection('reconnecting', 'The daemon is not answering; reconnecting…');
      } else if (lost) {
        // It answers HTTP but refuses the socket: the session was not accepted.
        dropSession();
        signInError('The daemon no longer accepts this page\'s session (it expired, or the daemon\'s sign-in key changed).');
        client.close();
        return;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 3000);
    }
  }
}

// ---- actions ------------------------------------------------------------------------------------

type Check = (o: Resource | undefined) => Verdict;
const rv = (o: Resource | undefined): number => Number(o?.metadata.resourceVersion ?? 0) || 0;

interface Running {
  readonly check: Check;
  readonly done: (v: Verdict) => void;
}
/** Actions waiting for their predicate, by entry key. */
const waits = new Map<string, Running>();

function progress(el: HTMLElement, state: 'busy' | 'ok' | 'error', text: string): void {
  el.dataset.state = state;
  setText(el, text);
}

/** Writes, then shows progress until `check` holds on the object as the watch delivers it. */
async function act(key: string, out: HTMLElement, label: string, write: () => Promise<Resource>, check: (res: Resource) => Check, doneText: string): Promise<void> {
  progress(out, 'busy', `${label}…`);
  let res: Resource;
  try {
    res = await write();
  } catch (e) {
    progress(out, 'error', `${label} failed: ${errorText(e)}`);
    return;
  }
  progress(out, 'busy', `${label}: waiting…`);
  const c = check(res);
  const verdict = await new Promise<Verdict>((resolve) => {
    const local = model.entries.get(key)?.object;
    // The watch event of our own write may come before the write's answer: take the newer.
    const first = c(rv(local) >= rv(res) ? local : res);
    if (first.kind !== 'wait') return resolve(first);
    waits.set(key, { check: c, done: resolve });
  });
  waits.delete(key);
  progress(out, verdict.kind === 'done' ? 'ok' : 'error', verdict.kind === 'done' ? doneText : verdict.kind === 'failed' ? verdict.message : '');
}

function onObjectChanged(key: string): void {
  const w = waits.get(key);
  if (!w) return;
  const v = w.check(model.entries.get(key)?.object);
  if (v.kind !== 'wait') w.done(v);
}

function errorText(e: unknown): string {
  if (isApiError(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}

// ---- App ----------------------------------------------------------------------------------------

const APP_KEY = keyOf(APP_KIND, '', APP_NAME);

interface AppView {
  readonly banner: HTMLElement;
  readonly spec: HTMLElement;
  readonly settled: HTMLElement;
  readonly conditions: HTMLTableSectionElement;
  readonly timeline: HTMLOListElement;
  readonly progress: HTMLElement;
  readonly cpus: HTMLInputElement;
  readonly memory: HTMLInputElement;
  readonly cpusMsg: HTMLElement;
  readonly memoryMsg: HTMLElement;
}
let appView: AppView;

function buildApp(): void {
  const root = byId('app');
  const progressEl = h('p', { class: 'progress', role: 'status', 'aria-live': 'polite', id: 'app-progress' });
  const cpus = h('input', { id: 'app-cpus', type: 'number', inputmode: 'numeric', 'aria-describedby': 'app-cpus-msg' });
  const memory = h('input', { id: 'app-memory', type: 'text', placeholder: 'e.g. 4GiB', 'aria-describedby': 'app-memory-msg' });
  const cpusMsg = h('span', { class: 'field-msg', id: 'app-cpus-msg', 'aria-live': 'polite' });
  const memoryMsg = h('span', { class: 'field-msg', id: 'app-memory-msg', 'aria-live': 'polite' });
  const start = h('button', { type: 'button', id: 'app-start' }, 'Start');
  const stop = h('button', { type: 'button', id: 'app-stop' }, 'Stop');
  const del = h('button', { type: 'button', id: 'app-delete', class: 'danger' }, 'Delete…');
  const apply = h('button', { type: 'submit', id: 'app-apply' }, 'Apply');
  const form = h(
    'form',
    { class: 'settings', 'aria-label': 'App settings' },
    h('div', { class: 'field' }, h('label', { for: 'app-cpus' }, 'CPUs'), cpus, cpusMsg),
    h('div', { class: 'field' }, h('label', { for: 'app-memory' }, 'Memory'), memory, memoryMsg),
    apply,
  );
  const conditions = h('tbody');
  const timeline = h('ol', { class: 'timeline', id: 'app-timeline' });
  appView = {
    banner: h('div', { class: 'banner', role: 'alert', id: 'app-banner', hidden: true }),
    spec: h('dl', { class: 'spec', id: 'app-spec' }),
    settled: h('p', { class: 'settled', id: 'app-settled' }),
    conditions,
    timeline,
    progress: progressEl,
    cpus,
    memory,
    cpusMsg,
    memoryMsg,
  };
  root.append(
    h('h2', { id: 'app-h' }, 'App'),
    appView.banner,
    appView.settled,
    appView.spec,
    h('div', { class: 'actions', role: 'group', 'aria-label': 'App actions' }, start, stop, del),
    progressEl,
    form,
    conditionsTable('App conditions', conditions, 'app-conditions'),
    h('details', {}, h('summary', {}, 'Timeline'), timeline),
  );

  start.addEventListener('click', () => void startApp());
  stop.addEventListener('click', () => {
    void act(APP_KEY, progressEl, 'Stopping the App', () => client.patch(APP_KIND, APP_NAME, { spec: { running: false } }), (r) => appSettled(r.metadata.generation), 'The App is stopped and settled');
  });
  del.addEventListener('click', () => {
    const app = model.entries.get(APP_KEY)?.object;
    if (!app || !confirm('Delete the App, its VM and its ConfigMaps? The VM\'s disk is lost.')) return;
    void act(APP_KEY, progressEl, 'Deleting the App', async () => (await client.delete(APP_KIND, APP_NAME)).object, () => gone(app.metadata.uid), 'The App is deleted');
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const validateSoon = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void validateSettings(), 300);
  };
  cpus.addEventListener('input', validateSoon);
  memory.addEventListener('input', validateSoon);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void applySettings();
  });
}

async function startApp(): Promise<void> {
  const exists = model.entries.get(APP_KEY)?.object !== undefined;
  await act(
    APP_KEY,
    appView.progress,
    'Starting the App',
    () =>
      exists
        ? client.patch(APP_KIND, APP_NAME, { spec: { running: true } })
        : client.create({ apiVersion: APP_API_VERSION, kind: APP_KIND, metadata: { name: APP_NAME }, spec: { running: true } }),
    (r) => appSettled(r.metadata.generation),
    'The App is running and settled',
  );
}

/** The settings as a spec patch; an empty field is left out. */
function settingsPatch(): Record<string, unknown> {
  const vm: Record<string, unknown> = {};
  const c = appView.cpus.value.trim();
  const m = appView.memory.value.trim();
  if (c !== '') vm.cpus = Number(c);
  if (m !== '') vm.memory = m;
  return { spec: { virtualMachine: vm } };
}

/** Shows admission's answer to a dry run beside the field it is about. Returns true when accepted. */
async function validateSettings(): Promise<boolean> {
  const fields = [
    { input: appView.cpus, msg: appView.cpusMsg, path: 'spec.virtualMachine.cpus' },
    { input: appView.memory, msg: appView.memoryMsg, path: 'spec.virtualMachine.memory' },
  ];
  for (const f of fields) {
    f.input.removeAttribute('aria-invalid');
    setText(f.msg, '');
  }
  if (!model.entries.get(APP_KEY)?.object) {
    setText(appView.cpusMsg, 'Start the App first; its settings apply to an existing App.');
    return false;
  }
  try {
    await client.patch(APP_KIND, APP_NAME, settingsPatch(), { dryRun: true });
    return true;
  } catch (e) {
    const causes = isApiError(e) ? (e.details?.causes ?? []) : [];
    let shown = false;
    for (const f of fields) {
      const mine = causes.filter((c) => c.field === f.path).map((c) => c.message);
      if (mine.length === 0) continue;
      f.input.setAttribute('aria-invalid', 'true');
      setText(f.msg, mine.join('; '));
      shown = true;
    }
    if (!shown) {
      appView.cpus.setAttribute('aria-invalid', 'true');
      setText(appView.cpusMsg, errorText(e));
    }
    return false;
  }
}

async function applySettings(): Promise<void> {
  progress(appView.progress, 'busy', 'Checking the settings (dry run)…');
  if (!(await validateSettings())) {
    progress(appView.progress, 'error', 'The settings were not applied: see the message beside the field');
    return;
  }
  await act(APP_KEY, appView.progress, 'Applying the settings', () => client.patch(APP_KIND, APP_NAME, settingsPatch()), (r) => appSettled(r.metadata.generation), 'The settings are applied and the App settled');
}

function renderApp(): void {
  const e = model.entries.get(APP_KEY);
  const app = e?.object;
  const v = appView;
  const spec = (app?.spec ?? {}) as { running?: boolean; namespace?: string; virtualMachine?: { cpus?: number; memory?: string | number }; containerEngine?: { name?: string }; kubernetes?: { enabled?: boolean; version?: string } };
  const rows: [string, string][] = app
    ? [
        ['Running', String(spec.running ?? false)],
        ['Namespace', spec.namespace ?? ''],
        ['CPUs', String(spec.virtualMachine?.cpus ?? '')],
        ['Memory', String(spec.virtualMachine?.memory ?? '')],
        ['Engine', spec.containerEngine?.name ?? ''],
        ['Kubernetes', spec.kubernetes ? `${spec.kubernetes.enabled ? 'on' : 'off'}${spec.kubernetes.version ? ` (${spec.kubernetes.version})` : ''}` : ''],
      ]
    : [];
  v.spec.replaceChildren(...rows.flatMap(([k, val]) => [h('dt', {}, k), h('dd', {}, val)]));
  // The current values show through the empty fields; an empty field leaves its value as it is.
  v.cpus.placeholder = spec.virtualMachine?.cpus !== undefined ? String(spec.virtualMachine.cpus) : '';
  v.memory.placeholder = spec.virtualMachine?.memory !== undefined ? String(spec.virtualMachine.memory) : 'e.g. 4GiB';
  const conds = e ? [...e.conditions.values()] : [];
  const settled = e?.conditions.get('Settled');
  v.settled.dataset.status = settled?.status ?? 'none';
  setText(v.settled, !app ? 'No App yet: Start creates it.' : settled ? `Settled: ${settled.status} (${settled.reason})` : 'Settled: not reported yet');
  const failure = settled && settled.status === 'False' && isFailureCondition(settled) ? settled : conds.find((c) => isFailureCondition(c));
  v.banner.hidden = !failure;
  if (failure) setText(v.banner, `The App is failing: ${failure.type}=${failure.status} (${failure.reason})${failure.message ? `: ${failure.message}` : ''}`);
  fillConditions(v.conditions, conds);
  fillTimeline(v.timeline, e);
}

// ---- LimaVMs ------------------------------------------------------------------------------------

interface VmView {
  readonly root: HTMLElement;
  readonly phase: HTMLElement;
  readonly restarts: HTMLElement;
  readonly lima: HTMLElement;
  readonly running: HTMLElement;
  readonly conditions: HTMLTableSectionElement;
  readonly timeline: HTMLOListElement;
  readonly progress: HTMLElement;
}
const vmViews = new Map<string, VmView>();

const vmId = (e: Entry): string => `vm-${e.namespace}-${e.name}`.replace(/[^A-Za-z0-9_-]/g, '_');

/** The VM's phase, as `rdd ctl get limavm` shows it: Terminating, else the Running reason. */
function phaseOf(e: Entry): string {
  if (e.object?.metadata.deletionTimestamp) return 'Terminating';
  return e.conditions.get('Running')?.reason ?? e.conditions.get('Created')?.reason ?? 'Pending';
}

/** The Lima instance as the VM's conditions report it (the daemon reads it from the hostagent). */
function limaStatusOf(e: Entry): string {
  const created = e.conditions.get('Created');
  const running = e.conditions.get('Running');
  if (!created || created.status !== 'True') return 'not created';
  if (running?.status === 'True') return 'Running';
  return running?.reason === 'Starting' ? 'Starting' : 'Stopped';
}

function buildVm(key: string, e: Entry): VmView {
  const id = vmId(e);
  const label = `LimaVM ${e.name}`;
  const cell = (cls: string): HTMLElement => h('dd', { class: cls });
  const phase = cell('phase');
  const restarts = cell('restarts');
  const lima = cell('lima');
  const running = cell('running');
  const progressEl = h('p', { class: 'progress', role: 'status', 'aria-live': 'polite' });
  const conditions = h('tbody');
  const timeline = h('ol', { class: 'timeline' });
  const logPre = h('pre', { class: 'log', tabindex: '0', 'aria-label': `${label} hostagent log`, 'aria-live': 'off' });
  const logButton = h('button', { type: 'button', class: 'log-follow' }, 'Follow log');
  const btn = (text: string, cls = ''): HTMLButtonElement => h('button', { type: 'button', class: cls || undefined, 'aria-label': `${text.replace('…', '')} ${label}` }, text);
  const start = btn('Start');
  const stop = btn('Stop');
  const restart = btn('Restart');
  const reset = btn('Reset…', 'danger');
  const del = btn('Delete…', 'danger');
  const root = h(
    'article',
    { class: 'vm', id, 'aria-labelledby': `${id}-h`, 'data-name': e.name },
    h('h3', { id: `${id}-h` }, e.name, h('span', { class: 'ns' }, ` in ${e.namespace}`)),
    h('dl', { class: 'vm-facts' }, h('dt', {}, 'Phase'), phase, h('dt', {}, 'Restarts'), restarts, h('dt', {}, 'Lima instance'), lima, h('dt', {}, 'Should run'), running),
    h('div', { class: 'actions', role: 'group', 'aria-label': `${label} actions` }, start, stop, restart, reset, del),
    progressEl,
    conditionsTable(`${label} conditions`, conditions),
    h('details', {}, h('summary', {}, 'Timeline'), timeline),
    h('details', { class: 'logs' }, h('summary', {}, 'Hostagent log'), logButton, logPre),
  );
  const vm = (): Resource | undefined => model.entries.get(key)?.object;
  const ns = e.namespace;
  const what = `LimaVM "${e.name}"`;
  const trackerOf = (o: Resource, armed: boolean): FailureTracker =>
    new FailureTracker(o, { armed, ...(armed ? { generation: o.metadata.generation } : {}), types: ['Created', 'Running'] });
  start.addEventListener('click', () => {
    void act(key, progressEl, `Starting ${what}`, () => client.patch(LIMAVM_KIND, e.name, { spec: { running: true } }, { namespace: ns }), (r) =>
      conditionReached(what, { type: 'Running', status: 'True' }, trackerOf(r, true), r.metadata.generation), `${what} is running`);
  });
  stop.addEventListener('click', () => {
    void act(key, progressEl, `Stopping ${what}`, () => client.patch(LIMAVM_KIND, e.name, { spec: { running: false } }, { namespace: ns }), (r) =>
      vmStopped(what, r.metadata.generation, trackerOf(r, true)), `${what} is stopped`);
  });
  restart.addEventListener('click', () => {
    const before = vm();
    if (!before) return;
    const count = (before.status as { restartCount?: number } | undefined)?.restartCount ?? 0;
    const patch = { metadata: { annotations: { [RESTART_REQUESTED_ANNOTATION]: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } }, spec: { running: true } };
    void act(key, progressEl, `Restarting ${what}`, () => client.patch(LIMAVM_KIND, e.name, patch, { namespace: ns }), () => restartCountAbove(what, count, trackerOf(before, false)), `${what} restarted`);
  });
  reset.addEventListener('click', () => {
    const before = vm();
    if (!before || !confirm(`Reset ${what}? Its disk is lost; it is recreated from its template.`)) return;
    const patch = { metadata: { annotations: { [RESET_REQUESTED_ANNOTATION]: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } } };
    void act(key, progressEl, `Resetting ${what}`, () => client.patch(LIMAVM_KIND, e.name, patch, { namespace: ns }), () => resetDone(what, trackerOf(before, false)), `${what} is recreated`);
  });
  del.addEventListener('click', () => {
    const before = vm();
    if (!before || !confirm(`Delete ${what} and its Lima instance?`)) return;
    void act(key, progressEl, `Deleting ${what}`, async () => (await client.delete(LIMAVM_KIND, e.name, { namespace: ns })).object, () => gone(before.metadata.uid), `${what} is deleted`);
  });
  let following: AsyncIterator<string> | undefined;
  logButton.addEventListener('click', () => {
    if (following) {
      void following.return?.();
      following = undefined;
      setText(logButton, 'Follow log');
      return;
    }
    const it = client.logs(e.name, { follow: true })[Symbol.asyncIterator]();
    following = it;
    setText(logButton, 'Stop following');
    logPre.replaceChildren();
    void (async () => {
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) break;
          appendLog(logPre, r.value);
        }
      } catch (err) {
        if (following === it) appendLog(logPre, `[log stream ended: ${errorText(err)}]`);
      }
      if (following === it) {
        following = undefined;
        setText(logButton, 'Follow log');
      }
    })();
  });
  return { root, phase, restarts, lima, running, conditions, timeline, progress: progressEl };
}

const LOG_MAX_LINES = 2000;
function appendLog(pre: HTMLElement, line: string): void {
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.append(`${line}\n`);
  while (pre.childNodes.length > LOG_MAX_LINES) pre.firstChild?.remove();
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function renderVm(key: string): void {
  const e = model.entries.get(key);
  let v = vmViews.get(key);
  if (!e || (!e.object && e.conditions.size === 0)) {
    v?.root.remove();
    vmViews.delete(key);
    updateVmEmpty();
    return;
  }
  if (!v) {
    v = buildVm(key, e);
    vmViews.set(key, v);
    insertSorted(v.root, e);
    updateVmEmpty();
  }
  v.root.dataset.phase = phaseOf(e);
  setText(v.phase, phaseOf(e));
  setText(v.restarts, String((e.object?.status as { restartCount?: number } | undefined)?.restartCount ?? 0));
  setText(v.lima, limaStatusOf(e));
  setText(v.running, String((e.object?.spec as { running?: boolean } | undefined)?.running ?? ''));
  fillConditions(v.conditions, [...e.conditions.values()]);
  fillTimeline(v.timeline, e);
}

function insertSorted(el: HTMLElement, e: Entry): void {
  const list = byId('vm-list');
  const sortKey = `${e.namespace}/${e.name}`;
  for (const child of list.children) {
    const other = child as HTMLElement;
    const [ns, name] = [other.dataset.ns ?? '', other.dataset.name ?? ''];
    if (`${ns}/${name}` > sortKey) {
      el.dataset.ns = e.namespace;
      list.insertBefore(el, other);
      return;
    }
  }
  el.dataset.ns = e.namespace;
  list.append(el);
}

function updateVmEmpty(): void {
  byId('vm-empty').hidden = vmViews.size > 0;
}

// ---- shared pieces ------------------------------------------------------------------------------

function conditionsTable(caption: string, body: HTMLTableSectionElement, id?: string): HTMLTableElement {
  return h(
    'table',
    { class: 'conditions', id },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...['Type', 'Status', 'Reason', 'Message', 'Since'].map((t) => h('th', { scope: 'col' }, t)))),
    body,
  );
}

function fillConditions(body: HTMLTableSectionElement, conds: readonly Condition[]): void {
  const now = Date.now();
  const rows = conds.map((c) =>
    h(
      'tr',
      { 'data-type': c.type, 'data-status': c.status },
      h('th', { scope: 'row' }, c.type),
      h('td', { class: 'status' }, c.status),
      h('td', {}, c.reason),
      h('td', { class: 'message' }, c.message),
      h('td', { 'data-since': c.lastTransitionTime }, since(c.lastTransitionTime, now)),
    ),
  );
  body.replaceChildren(...rows);
}

function fillTimeline(list: HTMLOListElement, e: Entry | undefined): void {
  const items = (e?.timeline ?? []).slice(-50).reverse();
  if (list.childElementCount === items.length && list.firstElementChild?.getAttribute('data-at') === (items[0]?.at ?? null)) return;
  list.replaceChildren(
    ...items.map((t) =>
      h('li', { 'data-at': t.at, 'data-type': t.type }, h('time', { datetime: t.at }, new Date(t.at).toLocaleTimeString()), ` ${t.type}=${t.status} (${t.reason})${t.message ? `: ${t.message}` : ''}`),
    ),
  );
}

function tickSince(): void {
  const now = Date.now();
  for (const el of document.querySelectorAll<HTMLElement>('[data-since]')) setText(el, since(el.dataset.since, now));
}

// ---- wiring -------------------------------------------------------------------------------------

function render(key: string): void {
  if (key === APP_KEY) renderApp();
  else if (key.startsWith(`${LIMAVM_KIND}/`)) renderVm(key);
}

async function main(): Promise<void> {
  const cred = takeCredential();
  if (!cred) {
    signInError('This page was opened without a sign-in code.');
    return;
  }
  credential = cred.value;
  setConnection('connecting', 'Signing in…');
  try {
    client = await connect({
      url: `ws://${location.host}`,
      // Read on every redial: after the exchange below, reconnects use the session.
      get token() {
        return credential;
      },
      encoding: 'json',
    });
  } catch (e) {
    if (cred.kind === 'session') dropSession();
    signInError(
      (await daemonAnswers())
        ? cred.kind === 'code'
          ? 'The daemon did not accept this link\'s login code: it is wrong, expired (a code lasts one minute) or was already used.'
          : 'The daemon no longer accepts this tab\'s session.'
        : `Cannot reach the rdd daemon at ${location.host} (${errorText(e)}). Start it with "rdd service start".`,
    );
    return;
  }
  // The exchange runs alongside the first subscriptions: this connection is already signed in by
  // the code, the session is only needed for the next one.
  const exchanged =
    cred.kind === 'code'
      ? client.login().then((s) => {
          credential = s.session;
          keepSession(s.session);
        })
      : Promise.resolve();
  exchanged.catch((e: unknown) => {
    client.close();
    signInError(`The daemon accepted the login code but refused the sign-in: ${errorText(e)}`);
  });
  byId('app').hidden = false;
  byId('vms').hidden = false;
  buildApp();
  renderApp();

  let vmListDone = false;
  let vmConditionsDone = false;
  const maybeFirstRender = (): void => {
    if (!vmListDone || !vmConditionsDone || performance.getEntriesByName(FIRST_RENDER_MARK).length > 0) return;
    performance.mark(FIRST_RENDER_MARK);
    document.body.dataset.ready = 'true';
  };
  const onWatch = (ev: ClientWatchEvent): void => {
    if (ev.type === 'BOOKMARK') {
      if (ev.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true' && ev.object.kind === LIMAVM_KIND) {
        vmListDone = true;
        maybeFirstRender();
      }
      return;
    }
    const key = model.applyObject(ev.type, ev.object);
    render(key);
    onObjectChanged(key);
  };
  const onError = (err: unknown): void => progress(byId('app-progress'), 'error', `A stream failed: ${errorText(err)}`);
  client.watch({ kind: APP_KIND, bookmarks: true }, onWatch, onError);
  client.watch({ kind: LIMAVM_KIND, bookmarks: true }, onWatch, onError);
  client.conditions(APP_KIND, undefined, {}, (u) => model.applyConditions(u).forEach(render), onError);
  client.conditions(
    LIMAVM_KIND,
    undefined,
    {},
    (u) => {
      model.applyConditions(u).forEach(render);
      if (u.type === 'snapshot') {
        vmConditionsDone = true;
        maybeFirstRender();
      }
    },
    onError,
  );
  setInterval(tickSince, 1000);
  void exchanged.then(() => watchConnection(), () => undefined);
}

void main();
