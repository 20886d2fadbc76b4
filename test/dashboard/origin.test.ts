import * as http from 'node:http';
import type * as net from 'node:net';
import test from 'ava';
import { readEndpointFile } from '../../src/transport/endpoint.js';
import { browser, daemon, screenshot, signedIn } from './helpers.js';

/** What a page's `new WebSocket(url, protocols)` comes to: 'open', or 'refused'. */
const TRY_SOCKET = `(([url, protocols]) => new Promise((resolve) => {
  const ws = new WebSocket(url, protocols);
  ws.onopen = () => { ws.close(); resolve('open'); };
  ws.onerror = () => resolve('refused');
}))`;

test('a page from another origin cannot connect, with the token or with a login code', async (t) => {
  const d = await daemon(t);
  const token = readEndpointFile(d.home.paths().endpointFile).token;
  const code = decodeURIComponent(/#code=(.+)$/.exec(await d.loginUrl())![1]!);
  // Another local site: same host, another port, so another origin.
  const foreign = http.createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title><h1>another site</h1>'));
  await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
  t.teardown(() => foreign.close());
  const foreignPort = (foreign.address() as net.AddressInfo).port;

  const ctx = await browser(t);
  const page = await ctx.newPage();
  await page.goto(`http://127.0.0.1:${foreignPort}/`);
  const target = `ws://127.0.0.1:${d.port}`;
  const attempt = (protocols: string[]): Promise<unknown> => page.evaluate(`${TRY_SOCKET}(${JSON.stringify([target, protocols])})`);
  t.is(await attempt(['rdd.v1.json', `rdd.token.${token}`]), 'refused', 'the daemon token from a foreign origin');
  t.is(await attempt(['rdd.v1.json', `rdd.token.${code}`]), 'refused', 'a login code from a foreign origin');
  await screenshot(t, page, 'foreign-origin');

  // The refused code was not spent, and the same socket call works from the daemon's own page.
  const own = await signedIn(ctx, `http://127.0.0.1:${d.port}/#code=${encodeURIComponent(code)}`);
  t.is(await own.evaluate(`${TRY_SOCKET}(${JSON.stringify([target, ['rdd.v1.json', `rdd.token.${token}`]])})`), 'open');
  await d.home.shutdown(t);
});
