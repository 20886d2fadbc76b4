// The gateway side of the status page, without a browser: static files and their headers, and the
// sign-in rules (codes once, only from the daemon's own origin; sessions verified across restarts).
import { statSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import test from 'ava';
import { BrowserAuth } from '../../src/dashboard/server/login.js';
import { defaultAssetsDir } from '../../src/dashboard/server/static.js';
import { rawConnect, startEnv, tempDir, type Env } from '../transport/helpers.js';

async function env(t: Parameters<typeof startEnv>[0]): Promise<Env & { port: number; own: string }> {
  const keyDir = tempDir(t, 'rdd-key-');
  const e = await startEnv(t, { extra: { dashboard: { assetsDir: defaultAssetsDir(), keyFile: path.join(keyDir, 'dashboard.key') } } });
  const port = Number(new URL(e.gw.url).port);
  return { ...e, port, own: `http://127.0.0.1:${port}` };
}

function get(port: number, p: string, host = `127.0.0.1:${port}`): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, headers: { Host: host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

const status = (p: Promise<unknown>): Promise<number> => p.then(() => 101, (e: { status?: number }) => e.status ?? -1);

test('the page is served with a strict CSP and no inline script; other paths still answer 426', async (t) => {
  const e = await env(t);
  const page = await get(e.port, '/');
  t.is(page.status, 200);
  const csp = String(page.headers['content-security-policy']);
  t.regex(csp, /default-src 'none'/);
  t.regex(csp, /script-src 'self'(;|$)/);
  t.notRegex(csp, /unsafe-inline|unsafe-eval/);
  t.regex(csp, /frame-ancestors 'none'/);
  t.is(page.headers['x-content-type-options'], 'nosniff');
  t.notRegex(page.body, /<script(?![^>]*\ssrc=)[^>]*>/, 'every script is a file');
  t.notRegex(page.body, /\son[a-z]+=/i, 'no inline event handlers');
  t.is((await get(e.port, '/app.js')).status, 200);
  t.is((await get(e.port, '/elsewhere')).status, 426);
  t.is((await get(e.port, '/', 'rebound.example:80')).status, 421, 'a foreign Host name is not served');
});

test('a login code opens one connection from the own origin, and trades for a session once', async (t) => {
  const e = await env(t);
  const c = await e.client();
  const { code } = await c.loginCode();

  t.is(await status(rawConnect(t, e.gw, { token: code, tokenIn: 'protocol' })), 401, 'not without an Origin: codes are for the page');
  t.is(await status(rawConnect(t, e.gw, { token: code, tokenIn: 'protocol', origin: 'http://evil.example' })), 401, 'not from a foreign origin');
  const peer = await rawConnect(t, e.gw, { token: code, tokenIn: 'protocol', origin: e.own });
  peer.send({ id: 1, op: 'login' });
  const r = await peer.until((m) => m.id === 1);
  t.true(r.ok);
  const session = (r.result as { session: string }).session;
  t.regex(session, /^s1\./);
  peer.send({ id: 2, op: 'login' });
  t.is(((await peer.until((m) => m.id === 2)).error as { code: number }).code, 403, 'login happens once');
  peer.send({ id: 3, op: 'loginCode' });
  t.is(((await peer.until((m) => m.id === 3)).error as { code: number }).code, 403, 'only token holders mint codes');

  t.is(await status(rawConnect(t, e.gw, { token: code, tokenIn: 'protocol', origin: e.own })), 401, 'the code is spent');
  t.is(await status(rawConnect(t, e.gw, { token: 'not-a-code', tokenIn: 'protocol', origin: e.own })), 401);
  const again = await rawConnect(t, e.gw, { token: session, tokenIn: 'protocol', origin: e.own });
  again.send({ id: 1, op: 'get', kind: 'Namespace', name: 'default' });
  t.true((await again.until((m) => m.id === 1)).ok, 'the session works for the API');
  t.is(await status(rawConnect(t, e.gw, { token: session, tokenIn: 'protocol', origin: 'http://localhost:1' })), 401);
  t.is(await status(rawConnect(t, e.gw, { token: `${session}x`, tokenIn: 'protocol', origin: e.own })), 401, 'a forged session');
  t.is(await status(rawConnect(t, e.gw, { tokenIn: 'protocol', origin: 'http://evil.example' })), 403, 'the token from a foreign origin is still 403');
});

test('sessions outlive the daemon (same key file) but not their expiry; codes expire', (t) => {
  const keyFile = path.join(tempDir(t, 'rdd-key-'), 'dashboard.key');
  let now = Date.parse('2026-01-02T03:04:05Z');
  const a = new BrowserAuth({ keyFile, now: () => now });
  t.is(statSync(keyFile).mode & 0o777, 0o600, 'the signing key is private');
  const { session } = a.issueSession();
  const b = new BrowserAuth({ keyFile, now: () => now });
  t.is(b.accept(session), 'session', 'a restarted daemon reads the same key');
  const { code } = b.issueCode();
  now += 61_000;
  t.is(b.accept(code), undefined, 'a code lasts a minute');
  now += 12 * 3600_000;
  t.is(b.accept(session), undefined, 'a session lasts 12 hours');
});
