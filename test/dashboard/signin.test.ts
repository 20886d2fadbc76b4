import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import test from 'ava';
import { readEndpointFile } from '../../src/transport/endpoint.js';
import { browser, daemon, screenshot, signedIn } from './helpers.js';

test('the login code signs in once, leaves the address bar, and cannot be used twice', async (t) => {
  const d = await daemon(t);
  const ctx = await browser(t);
  const url = await d.loginUrl();
  const token = readEndpointFile(d.home.paths().endpointFile).token;
  t.regex(url, new RegExp(`^http://127\\.0\\.0\\.1:${d.port}/#code=`));
  const page = await signedIn(ctx, url);
  await page.locator('#conn[data-state="connected"]').waitFor();
  t.is(new URL(page.url()).hash, '', 'the code is gone from the address bar');
  t.false(String(await page.evaluate('location.href')).includes('code='), 'nor in location');
  await screenshot(t, page, 'signed-in');

  // The same link in another tab (its own sessionStorage) is refused.
  const second = await ctx.newPage();
  await second.goto(url);
  await second.locator('#signin:not([hidden])').waitFor();
  t.regex(await second.locator('#signin').innerText(), /already used/);
  await screenshot(t, second, 'second-use');

  // Neither the code, nor the session, nor the token is in the daemon's log.
  const session = String(await page.evaluate("sessionStorage.getItem('rdd.session')"));
  t.regex(session, /^s1\./);
  await d.home.shutdown(t);
  const log = readFileSync(d.home.paths().daemonLog, 'utf8');
  const code = decodeURIComponent(url.split('#code=')[1]!);
  t.true(log.length > 0);
  for (const secret of [code, session, token]) t.false(log.includes(secret), 'no credential in the daemon log');
});

test('a page without a code, or with a wrong one, shows a clear sign-in error', async (t) => {
  const d = await daemon(t);
  const ctx = await browser(t);
  const page = await ctx.newPage();
  await page.goto(`http://127.0.0.1:${d.port}/`);
  await page.locator('#signin:not([hidden])').waitFor();
  t.regex(await page.locator('#signin').innerText(), /without a sign-in code[\s\S]*rdd dashboard/);
  t.is(await page.locator('#conn').getAttribute('data-state'), 'signed-out');
  await screenshot(t, page, 'no-code');

  await page.goto(`http://127.0.0.1:${d.port}/#code=not-a-real-code`);
  await page.reload();
  await page.locator('#signin:not([hidden])').waitFor();
  t.regex(await page.locator('#signin').innerText(), /did not accept this link's login code/);
  t.true(await page.locator('#app').isHidden(), 'nothing of the daemon is shown');
  await screenshot(t, page, 'wrong-code');
  await d.home.shutdown(t);
});

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
