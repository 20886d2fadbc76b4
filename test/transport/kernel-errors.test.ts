// The request edges turn a KernelError into the Status a client understands (and leave other errors
// to toApiError). The mapping is the one the kernel used to throw directly, so clients see no change.
import test from 'ava';
import { ApiError, errors, type StatusReason } from '../../src/api/index.js';
import { silentLogger } from '../../src/log.js';
import { createKernel, isKernelError, KernelError, type Behavior, type KernelErrorCode } from '../../src/supervisor/index.js';
import { kernelErrorToApi, toClientError } from '../../src/transport/server/kernel-errors.js';

const expected: Record<KernelErrorCode, readonly [number, StatusReason]> = {
  AskTimeout: [504, 'Timeout'],
  NotQuiescent: [504, 'Timeout'],
  ActorStopped: [503, 'ServiceUnavailable'],
  KernelClosed: [503, 'ServiceUnavailable'],
  StashFull: [429, 'TooManyRequests'],
  DuplicateName: [409, 'AlreadyExists'],
  NotSpawnable: [409, 'Conflict'],
  ForeignRef: [400, 'BadRequest'],
  NotAChild: [400, 'BadRequest'],
  InvalidSpec: [422, 'Invalid'],
};

for (const [code, [status, reason]] of Object.entries(expected) as Array<[KernelErrorCode, readonly [number, StatusReason]]>) {
  test(`${code} becomes ${status} ${reason} with the kernel's message`, (t) => {
    const e = new KernelError(code, `message for ${code}`, { path: '/user/a' });
    const api = toClientError(e);
    t.is(api.code, status);
    t.is(api.reason, reason);
    t.is(api.message, `message for ${code}`);
    t.is(api.cause, e);
    if (code !== 'InvalidSpec') t.is(api.details?.name, '/user/a');
  });
}

test('StashFull says when to retry; InvalidSpec lists every field as a cause', (t) => {
  t.is(kernelErrorToApi(new KernelError('StashFull', 'full', { path: '/user/a', capacity: 3 })).details?.retryAfterSeconds, 1);
  const invalid = kernelErrorToApi(
    new KernelError('InvalidSpec', 'bad spec', { fields: [{ field: 'name', message: 'must be non-empty' }, { field: 'shutdownMs', message: 'must be >= 0' }] }),
  );
  t.deepEqual(invalid.details?.causes, [
    { field: 'name', reason: 'FieldValueInvalid', message: 'must be non-empty' },
    { field: 'shutdownMs', reason: 'FieldValueInvalid', message: 'must be >= 0' },
  ]);
});

test('an ApiError passes through unchanged and anything else is a 500', (t) => {
  const notFound = errors.notFound('apps', 'x');
  t.is(toClientError(notFound), notFound);
  const other = toClientError(new Error('boom'));
  t.true(other instanceof ApiError);
  t.is(other.code, 500);
  t.is(other.reason, 'InternalError');
});

test("a real ask to a stopped actor reaches a client as 503, the kernel's words kept", async (t) => {
  const k = createKernel({ log: silentLogger() });
  t.teardown(() => k.shutdown({ timeoutMs: 1000, mode: 'now' }));
  const idle: Behavior<null, { reply: (n: number) => void }> = { init: () => null, receive: (s) => s };
  const a = k.spawn({ name: 'gone', behavior: idle });
  await k.stop(a);
  const err = await t.throwsAsync(k.ask(a, (reply: (n: number) => void) => ({ reply }), 60_000));
  t.true(isKernelError(err, 'ActorStopped'));
  const api = toClientError(err);
  t.is(api.code, 503);
  t.regex(api.toStatus().message, /actor \/user\/gone stopped \(normal\) before replying/);
});
