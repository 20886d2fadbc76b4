// A request over the gateway's frame limit fails on its own with an error that names the limit,
// instead of closing the connection under every request ("connection closed (code 1009)").
import test from 'ava';
import type { ApiError } from '../../src/api/index.js';
import { DEFAULT_LIMITS } from '../../src/transport/index.js';
import { configMap, startEnv } from './helpers.js';

test('a request over 256 KiB is refused by the client with 413 naming the limit; the connection stays up', async (t) => {
  const env = await startEnv(t);
  for (const encoding of ['json', 'msgpack'] as const) {
    const c = await env.client({ encoding });
    await c.hello();
    const big = configMap(`big-${encoding}`, { k: 'x'.repeat(DEFAULT_LIMITS.maxPayload) });
    const e = (await t.throwsAsync(c.create(big))) as unknown as ApiError;
    t.is(e.code, 413, encoding);
    t.is(e.reason, 'RequestEntityTooLarge');
    t.regex(e.message, /over the gateway's frame limit of 256 KiB \(262144 bytes\)/);
    t.regex(e.message, /^the "create" request is 256\.\d KiB/);
    // Nothing was sent and nothing closed: the same client goes on, and the object does not exist.
    t.is((await c.create(configMap(`small-${encoding}`))).metadata.name, `small-${encoding}`);
    t.is(env.store.get('ConfigMap', 'default', `big-${encoding}`), undefined);
  }
  t.is(env.gw.stats().connections.length, 2);
});

test('a request just under the limit still goes through', async (t) => {
  const env = await startEnv(t);
  const c = await env.client({ encoding: 'json' });
  const cm = await c.create(configMap('near', { k: 'x'.repeat(DEFAULT_LIMITS.maxPayload - 1024) }));
  t.is(cm.metadata.name, 'near');
});

test('a daemon with a smaller limit closes with 1009, and the error says it was the frame limit', async (t) => {
  const env = await startEnv(t, { limits: { maxPayload: 4096 } });
  const c = await env.client({ encoding: 'json' });
  const e = (await t.throwsAsync(c.create(configMap('big', { k: 'x'.repeat(5000) })))) as unknown as ApiError;
  t.regex(e.message, /code 1009.*over the frame limit of the daemon/);
  // With the daemon's limit (from hello) the client refuses it itself.
  const limited = await env.client({ encoding: 'json', maxPayload: (await (await env.client()).hello()).limits.maxPayload });
  const e2 = (await t.throwsAsync(limited.create(configMap('big', { k: 'x'.repeat(5000) })))) as unknown as ApiError;
  t.is(e2.code, 413);
  t.regex(e2.message, /frame limit of 4 KiB \(4096 bytes\)/);
});
