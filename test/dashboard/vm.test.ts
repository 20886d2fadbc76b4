import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { until } from '../cli/helpers/harness.js';
import { browser, daemon, screenshot, signedIn } from './helpers.js';

test('kill -9 of the hostagent: restartCount rises on the page and the transitions show', async (t) => {
  const d = await daemon(t);
  const start = await d.home.run(['start']);
  t.is(start.exitCode, 0, start.stderr);
  const ctx = await browser(t);
  const page = await signedIn(ctx, await d.loginUrl());
  const vm = page.locator('article.vm[data-name="rd"]');
  await vm.locator('dd.restarts', { hasText: '1' }).waitFor();
  const before = await vm.locator('ol.timeline li').count();

  const agents = d.home.hostagents();
  const pid = agents[agents.length - 1];
  t.truthy(pid, 'the simulator started a hostagent');
  process.kill(pid!, 'SIGKILL');

  await vm.locator('dd.restarts', { hasText: '2' }).waitFor({ timeout: 90_000 });
  await vm.locator('dd.phase', { hasText: 'Started' }).waitFor();
  const lines = await vm.locator('ol.timeline li').allTextContents();
  t.true(lines.length > before, 'new transitions were added');
  t.true(lines.some((l) => /Running=False/.test(l)), `the crash is a transition: ${lines.join(' | ')}`);
  await vm.locator('ol.timeline').evaluate((el) => el.closest('details')?.setAttribute('open', ''));
  await screenshot(t, page, 'restarted');
  await d.home.shutdown(t);
});

test("a VM's hostagent log is followed live", async (t) => {
  const d = await daemon(t);
  const start = await d.home.run(['start']);
  t.is(start.exitCode, 0, start.stderr);
  const ctx = await browser(t);
  const page = await signedIn(ctx, await d.loginUrl());
  const vm = page.locator('article.vm[data-name="rd"]');
  await vm.locator('details.logs summary').click();
  await vm.getByRole('button', { name: 'Follow log' }).click();
  const log = vm.locator('pre.log');
  await log.filter({ hasText: /running/ }).waitFor();

  // A line written now reaches the page while it follows.
  const marker = `dashboard-follow-${Date.now()}`;
  appendFileSync(join(d.home.paths().limaHome, 'rd', 'ha.stdout.log'), `{"marker":"${marker}"}\n`);
  await log.filter({ hasText: marker }).waitFor();
  t.true((await log.innerText()).includes(marker));
  t.is(await vm.locator('button.log-follow').innerText(), 'Stop following');
  await screenshot(t, page, 'log');
  await d.home.shutdown(t);
});

test('after the daemon is killed and restarted, the page reconnects, says so, and resumes', async (t) => {
  // No configured port: the restarted daemon takes its last port again, so the page's origin holds.
  const d = await daemon(t, { port: 0 });
  const ctx = await browser(t);
  const url = await d.loginUrl();
  const page = await signedIn(ctx, url);
  const conn = page.locator('#conn');
  await page.locator('#conn[data-state="connected"]').waitFor();
  const oldPid = d.home.daemonPid();
  t.truthy(oldPid);
  process.kill(oldPid!, 'SIGKILL');
  await page.locator('#conn[data-state="reconnecting"]').waitFor();
  await until('the old daemon to be gone', () => {
    try {
      process.kill(oldPid!, 0);
      return undefined;
    } catch {
      return true;
    }
  });

  const r = await d.home.run(['service', 'start']);
  t.is(r.exitCode, 0, r.stderr);
  await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 60_000 });
  t.is(new URL(await d.loginUrl()).host, new URL(url).host, 'the same origin after the restart');
  t.regex(await conn.innerText(), /Reconnected to rdd .*the daemon restarted/);
  // The streams resumed: a change made now shows up.
  const set = await d.home.run(['set', 'virtualMachine.cpus=1', '--no-wait']);
  t.is(set.exitCode, 0, set.stderr);
  await page.locator('#app-spec dd', { hasText: 'false' }).waitFor();
  await screenshot(t, page, 'reconnected');
  await d.home.shutdown(t);
});
