// The provider's needs radar: a provider's member reaches it from the organisation page by
// keyboard, sees a need another organisation posted with strength, matched solution and
// why, and contacts that organisation; outsiders are turned away; a seeker typing a need
// sees the peer administration that posted a similar one.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { ApiSession, OPERATOR, PHONE, account, checkPage, launch, open } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const stamp = Date.now().toString(36);
const NEED_TITLE = `Hundesteuer digital anmelden ${stamp}`;
const NEED_TEXT = 'Hundehalterinnen und Hundehalter sollen ihren Hund online zur Hundesteuer an- und abmelden können, ohne ins Rathaus zu kommen.';

async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('never reached by Tab');
}

describe('provider radar', () => {
  let provider: number;
  let seeker: number;
  let seekerName: string;

  beforeAll(async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    provider = (await ops.request<{ id: number }>('POST', '/organisations', { name: `Rechenzentrum Radarhafen ${stamp}`, kind: 'it_dienstleister' })).id;
    seekerName = `Gemeinde Bellheim ${stamp}`;
    seeker = (await ops.request<{ id: number }>('POST', '/organisations', { name: seekerName, kind: 'kommune', land: 'Rheinland-Pfalz' })).id;
    await ops.request('POST', '/solutions', {
      title: `Hundesteuer online ${stamp}`,
      summary: 'Hundehalter melden ihren Hund online zur Hundesteuer an und ab; der Bescheid kommt digital.',
      kind: 'online_service',
      provider_id: provider,
    });
    const member = await account({ orgId: seeker });
    await member.session.request('POST', '/needs', { organisation_id: seeker, title: NEED_TITLE, description: NEED_TEXT, visibility: 'public' });
  });

  it('shows a matching need of another organisation to the provider, by keyboard, and opens a conversation', async () => {
    const member = await account({ orgId: provider, role: 'provider' });
    const t = await open(browser);
    await member.session.into(t.context);
    await t.page.goto(`/organisationen/${provider}`);
    const link = t.page.getByTestId('provider-radar-link');
    await link.waitFor();
    await tabTo(t.page, link);
    await t.page.keyboard.press('Enter');
    await t.page.waitForURL((u) => u.pathname === `/organisationen/${provider}/bedarfsradar`);
    // The indexer embeds the new need and solution in the background: reload until it shows.
    const card = t.page.getByTestId('provider-radar-need').filter({ hasText: NEED_TITLE });
    await expect
      .poll(
        async () => {
          if ((await card.count()) === 0) {
            await t.page.reload();
            await t.page.getByRole('heading', { level: 1 }).waitFor();
          }
          return card.count();
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe(1);
    expect(await t.page.getByTestId('provider-radar-ranking').textContent()).toContain('inhaltlicher Ähnlichkeit');
    const text = (await card.textContent()) ?? '';
    expect(text).toContain(seekerName);
    expect(text).toContain('Rheinland-Pfalz');
    expect(text).toContain(`Hundesteuer online ${stamp}`);
    expect(text).toMatch(/Gemeinsame Begriffe: .*Hundesteuer|Inhaltlich ähnlich/);
    expect(await card.getByTestId('strength').getAttribute('data-strength')).toMatch(/strong|possible/);
    await checkPage(t, 'provider-radar');

    // The contact action, by keyboard, opens a conversation with the seeker's organisation.
    await tabTo(t.page, card.getByTestId('provider-radar-contact'));
    await t.page.keyboard.press('Enter');
    await t.page.waitForURL(/\/kanaele\/\d+$/);
    await t.context.close();
  });

  it('fits a phone and stays closed to other organisations', async () => {
    const member = await account({ orgId: provider, role: 'provider' });
    const t = await open(browser, { viewport: PHONE });
    await member.session.into(t.context);
    await t.page.goto(`/organisationen/${provider}/bedarfsradar`);
    const card = t.page.getByTestId('provider-radar-need').filter({ hasText: NEED_TITLE });
    await card.waitFor({ timeout: 60_000 });
    const box = await card.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= PHONE.width).toBe(true);
    await checkPage(t, 'provider-radar-phone');
    await t.context.close();

    const outsider = await account({ orgId: seeker });
    const o = await open(browser);
    await outsider.session.into(o.context);
    await o.page.goto(`/organisationen/${provider}/bedarfsradar`);
    await expect.poll(() => o.page.locator('main').textContent()).toContain('nur ihre Mitglieder');
    expect(await o.page.getByTestId('provider-radar').count()).toBe(0);
    await o.page.goto(`/organisationen/${provider}`);
    await o.page.getByTestId('organisation').waitFor();
    expect(await o.page.getByTestId('provider-radar-link').count()).toBe(0);
    await o.context.close();
  });

  it('shows a seeker typing a need the administration that posted a similar one', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const town = (await ops.request<{ id: number }>('POST', '/organisations', { name: `Stadt Peerburg ${stamp}`, kind: 'kommune' })).id;
    const member = await account({ orgId: town });
    const t = await open(browser);
    await member.session.into(t.context);
    await t.page.goto('/bedarfe');
    await t.page.locator('#need-title').fill('Hundesteuer online');
    await t.page.locator('#need-description').fill(NEED_TEXT);
    const peers = t.page.getByTestId('need-peers');
    await expect.poll(() => peers.textContent(), { timeout: 30_000 }).toContain(seekerName);
    expect(await peers.textContent()).toContain(NEED_TITLE);
    await checkPage(t, 'need-peers');
    await t.context.close();
  });
});
