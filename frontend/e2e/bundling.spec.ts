// Bundling (Bündler) and the inbox's one-click actions: a bundler's admin proposes to bundle
// for a Kommune, its admin accepts, the bundler sees the Kommune's interest, submits it
// bundled and sets a threshold for its clients; a provider's member answers a stale entry
// ("Angaben sind noch aktuell") and a usage claim from the inbox, whose badge follows.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ApiSession, OPERATOR, account, checkPage, launch, open } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const stamp = () => Date.now().toString(36);

async function organisation(name: string, kind: string): Promise<{ id: number; name: string }> {
  const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
  return ops.request<{ id: number; name: string }>('POST', '/organisations', { name: `${name} ${stamp()}`, kind });
}

async function solution(provider: number, extra: object = {}): Promise<{ id: number; title: string }> {
  const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
  return ops.request('POST', '/solutions', { title: `Digitaler Bauantrag ${stamp()}`, kind: 'online_service', provider_id: provider, ...extra });
}

function badge(page: Page) {
  return page.getByTestId('unread-badge');
}

describe('bundling', () => {
  it('sets up a bundling, sees the client interest, submits it bundled and sets a client threshold', async () => {
    const bundler = await organisation('Kommunaler Spitzenverband Bündelland', 'intermediaer');
    const client = await organisation('Gemeinde Mandantenhausen', 'kommune');
    const provider = await organisation('Rechenzentrum Bündelstadt', 'it_dienstleister');
    const sol = await solution(provider.id);
    const bundlerAdmin = await account({ orgId: bundler.id, orgRole: 'org_admin' });
    const clientAdmin = await account({ orgId: client.id, orgRole: 'org_admin' });

    // The bundler's admin proposes.
    const b = await open(browser);
    await bundlerAdmin.session.into(b.context);
    await b.page.goto(`/organisationen/${bundler.id}/buendelung`);
    await b.page.getByRole('searchbox', { name: 'Organisation suchen (Name)' }).fill(client.name);
    await b.page.getByRole('button', { name: 'Suchen' }).click();
    await b.page.getByTestId('bundling-propose').click();
    await expect.poll(() => b.page.getByTestId('bundling-success').textContent()).toContain(client.name);
    expect(await b.page.getByTestId('bundling-clients').textContent()).toContain('vorgeschlagen');
    await checkPage(b, 'bundling-proposed');

    // The client's admin accepts on its own page, then expresses interest (through the API).
    const c = await open(browser);
    await clientAdmin.session.into(c.context);
    await c.page.goto(`/organisationen/${client.id}/buendelung`);
    await c.page.getByRole('button', { name: /^Annehmen/ }).click();
    await expect.poll(() => c.page.getByTestId('bundling-bundlers').textContent()).toContain('angenommen');
    await checkPage(c, 'bundling-accepted');
    await c.context.close();
    await clientAdmin.session.request('PUT', `/solutions/${sol.id}/interest`, { level: 'interested' });

    // The bundler sees it and submits it as a letter of intent, bundled.
    await b.page.reload();
    const card = b.page.getByTestId('client-interests');
    await card.waitFor();
    expect(await card.textContent()).toContain(client.name);
    expect(await card.textContent()).toContain(sol.title);
    await card.getByTestId('bundled-submit').click();
    await expect.poll(() => b.page.getByTestId('bundling-success').textContent()).toContain('Für 1 Mandantin eingereicht.');

    // Its threshold for its clients: one letter of intent is there, so it is reached at once.
    const panel = card.getByTestId('bundler-threshold');
    await panel.getByLabel('Ab welcher Stufe zählt eine Organisation?').selectOption('letter_of_intent');
    await panel.getByLabel('Anzahl der Organisationen').fill('1');
    await panel.getByTestId('threshold-save').click();
    await expect.poll(() => panel.getByTestId('threshold').last().textContent()).toContain('1 von 1 Absichtserklärungen');
    expect(await panel.getByTestId('threshold-channel').count()).toBe(1);
    await checkPage(b, 'bundling-threshold-reached');
    await b.context.close();
  });

  it('answers a stale entry and a usage claim from the inbox, with the badge following', async () => {
    const provider = await organisation('Landesamt Aktualität', 'land');
    const old = new Date(Date.now() - 3 * 365 * 24 * 3600 * 1000).toISOString();
    const sol = await solution(provider.id, { last_verified_at: old });
    const member = await account({ orgId: provider.id, role: 'provider' });
    const t = await open(browser);
    await member.session.into(t.context);

    // The sweep (every few seconds in the tests) tells the provider.
    await expect
      .poll(async () => (await member.session.request<{ unread: number }>('GET', '/notices/unread')).unread, { timeout: 20_000 })
      .toBe(1);
    await t.page.goto('/benachrichtigungen');
    await expect.poll(() => badge(t.page).textContent()).toContain('1');
    const stale = t.page.locator('[data-event="solution_stale"]');
    await stale.waitFor();
    await checkPage(t, 'inbox-stale');
    await t.page.getByRole('button', { name: 'Angaben sind noch aktuell' }).click();
    await expect.poll(() => t.page.getByText('Die Angaben sind als aktuell bestätigt.').count()).toBe(1);
    await expect.poll(() => badge(t.page).count()).toBe(0);
    const fresh = await member.session.request<{ stale: boolean }>('GET', `/solutions/${sol.id}`);
    expect(fresh.stale).toBe(false);

    // Another organisation says the Land uses two (fresh) solutions: confirm one, mark the
    // other read.
    const other = await organisation('Stadt Behauptungsdorf', 'kommune');
    const claimant = await account({ orgId: other.id });
    for (const s of [sol, await solution(provider.id, { last_verified_at: new Date().toISOString() })]) {
      await claimant.session.request('POST', `/solutions/${s.id}/usages`, { organisation_id: provider.id });
    }
    await expect.poll(() => t.page.locator('[data-event="usage_claimed"]').count()).toBe(2);
    await expect.poll(() => badge(t.page).textContent()).toContain('2');
    await checkPage(t, 'inbox-usage-claims');
    await t.page.getByRole('button', { name: 'Ja, wir nutzen sie' }).first().click();
    await expect.poll(() => t.page.getByText('Die Nutzung ist bestätigt.').count()).toBe(1);
    await expect.poll(() => badge(t.page).textContent()).toContain('1');
    await t.page.getByTestId('mark-all-read').click();
    await expect.poll(() => badge(t.page).count()).toBe(0);
    expect(await t.page.getByTestId('mark-all-read').count()).toBe(0);
    await checkPage(t, 'inbox-all-read');
    await t.context.close();
  });
});
