import test from 'ava';
import type { App } from '../../src/api/index.js';
import { browser, daemon, screenshot, signedIn } from './helpers.js';

test('Start on the page creates the App and the conditions arrive until Settled', async (t) => {
  const d = await daemon(t);
  const ctx = await browser(t);
  const page = await signedIn(ctx, await d.loginUrl());
  t.regex(await page.locator('#app-settled').innerText(), /No App yet/);

  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.locator('#app-progress[data-state="ok"]').waitFor({ timeout: 90_000 });
  t.regex(await page.locator('#app-progress').innerText(), /running and settled/);
  t.is(await page.locator('#app-settled').getAttribute('data-status'), 'True');
  // Every condition the App reports is in the table, from the condition stream.
  for (const type of ['Created', 'Running', 'Settled']) {
    t.is(await page.locator(`#app-conditions tr[data-type="${type}"] td.status`).innerText(), 'True', `${type}=True`);
  }
  // The transitions arrived one by one: the timeline saw Running before it was True.
  const timeline = await page.locator('#app-timeline li').allTextContents();
  t.true(timeline.some((l) => /Running=(False|Unknown)/.test(l)), `an earlier Running transition: ${timeline.join(' | ')}`);
  t.true(timeline.some((l) => /Settled=True/.test(l)));
  // The App's VM appears with its facts.
  const vm = page.locator('article.vm[data-name="rd"]');
  await vm.locator('dd.phase', { hasText: 'Started' }).waitFor();
  t.is(await vm.locator('dd.restarts').innerText(), '1');
  t.is(await vm.locator('dd.lima').innerText(), 'Running');
  await page.locator('#app-timeline').evaluate((el) => el.closest('details')?.setAttribute('open', ''));
  await screenshot(t, page, 'settled');
  // For the eye: a narrow window and dark mode (not asserted).
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 380, height: 900 });
  await screenshot(t, page, 'settled-narrow-dark');

  const app = await d.home.get<App>('app', 'app');
  t.true(app?.spec.running, 'the page really wrote the App');
  await d.home.shutdown(t);
});

test('a dry-run rejection shows the admission message beside the field, and nothing is written', async (t) => {
  const d = await daemon(t);
  const set = await d.home.run(['set', 'virtualMachine.cpus=1']);
  t.is(set.exitCode, 0, set.stderr);
  const ctx = await browser(t);
  const page = await signedIn(ctx, await d.loginUrl());
  await page.locator('#app-settled[data-status="True"]').waitFor();

  await page.getByLabel('CPUs').fill('-1');
  const msg = page.locator('#app-cpus-msg');
  await msg.filter({ hasText: /negative/ }).waitFor();
  t.regex(await msg.innerText(), /spec\.virtualMachine\.cpus -1 must not be negative/);
  t.is(await page.getByLabel('CPUs').getAttribute('aria-invalid'), 'true');
  t.is(await page.getByLabel('CPUs').getAttribute('aria-describedby'), 'app-cpus-msg', 'screen readers hear the message with the field');

  await page.getByRole('button', { name: 'Apply' }).click();
  await page.locator('#app-progress[data-state="error"]').waitFor();
  t.regex(await page.locator('#app-progress').innerText(), /not applied/);
  await screenshot(t, page, 'dry-run-rejected');
  const app = await d.home.get<App>('app', 'app');
  t.is(app?.spec.virtualMachine?.cpus, 1, 'the rejected value was never written');
  await d.home.shutdown(t);
});
