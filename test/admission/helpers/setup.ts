// An Api over a temp-file store, with the default hooks (or given ones), the fake validator,
// the namespace `default` and a source ConfigMap `src` holding a valid template.
import type { ExecutionContext } from 'ava';
import { createApi, defaultHooks, type AdmissionHook, type Api } from '../../../src/admission/index.js';
import { isApiError, type ApiError, type ResourceInput } from '../../../src/api/index.js';
import { silentLogger } from '../../../src/log.js';
import { fixture, type Fixture } from '../../store/helpers.js';
import { FakeTemplateValidator } from './validator.js';

export const GOOD_TEMPLATE = `# a Lima template
images:
- location: https://example.com/image.qcow2
  arch: x86_64
param:
  FOO: bar # kept
provision:
- mode: system
  script: echo {{.Param.FOO}}
`;

export interface Setup extends Fixture {
  readonly api: Api;
  readonly validator: FakeTemplateValidator;
}

export function setup(t: ExecutionContext, opts: { hooks?: (v: FakeTemplateValidator) => AdmissionHook[]; maxPrecheckRetries?: number } = {}): Setup {
  const f = fixture(t);
  const validator = new FakeTemplateValidator();
  const hooks = opts.hooks ? opts.hooks(validator) : defaultHooks({ templateValidator: validator });
  const api = createApi({
    store: f.store,
    hooks,
    log: silentLogger(),
    ...(opts.maxPrecheckRetries === undefined ? {} : { maxPrecheckRetries: opts.maxPrecheckRetries }),
  });
  f.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  f.store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'src', namespace: 'default' }, data: { template: GOOD_TEMPLATE } });
  return {
    get store() {
      return f.store;
    },
    file: f.file,
    clock: f.clock,
    events: f.events,
    counts: () => f.counts(),
    reopen: (o) => f.reopen(o),
    api,
    validator,
  };
}

export function limaVM(name: string, namespace = 'default', spec: Record<string, unknown> = {}): ResourceInput {
  return {
    apiVersion: 'lima.rancherdesktop.io/v1alpha1',
    kind: 'LimaVM',
    metadata: { name, namespace },
    spec: { templateRef: { name: 'src' }, running: false, ...spec },
  };
}

export function app(name = 'app', spec: Record<string, unknown> = {}): ResourceInput {
  return { apiVersion: 'app.rancherdesktop.io/v1alpha1', kind: 'App', metadata: { name }, spec: { running: false, ...spec } };
}

export async function rejection(t: ExecutionContext, p: Promise<unknown>): Promise<ApiError> {
  const e = await t.throwsAsync(p);
  if (!isApiError(e)) throw new Error(`expected an ApiError, got ${String(e)}`);
  return e;
}
