// Detail and organisation pages, the catalogue, "Anbieter fragen" to the channel route.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ApiSession, OPERATOR, account, baseURL, checkPage, launch, open } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

interface Match {
  solutions: { id: number; title: string; provider: { id: number; name: string } | null }[];
}

async function matchWithProvider(text: string) {
  const res = await fetch(`${baseURL()}/api/v1/match`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text, limit: 10 }),
  });
  const body = (await res.json()) as Match;
  const hit = body.solutions.find((s) => s.provider);
  if (!hit) throw new Error(`no result with a provider for "${text}"`);
  return hit;
}

describe('pages', () => {
  it('opens a solution detail page from a result with every section', async () => {
    const t = await open(browser);
    await t.page.goto(`/?q=${encodeURIComponent('Open-Source-Software für die Verwaltung von Schulen')}`);
    const card = t.page.getByTestId('solution-card').first();
    await card.waitFor();
    const title = (await card.locator('h3').textContent())?.trim() ?? '';
    await card.getByRole('link', { name: 'Details' }).click();
    await t.page.getByTestId('solution-detail').waitFor();
    expect((await t.page.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe(title);
    expect(await t.page.title()).toBe(`${title} – Matchraum`);
    for (const h of ['Eckdaten', 'Wer nutzt die Lösung?', 'Ansprechpersonen', 'Fragen und Antworten']) {
      expect(await t.page.getByRole('heading', { name: h }).count(), h).toBe(1);
    }
    // Whether the entry is stale and what it lacks, as the API says.
    const id = new URL(t.page.url()).pathname.split('/').pop();
    const entry = (await (await t.page.request.get(`/api/v1/solutions/${id}`)).json()) as { stale: boolean; missing: string[] };
    const freshness = t.page.getByTestId('detail-freshness');
    if (entry.stale || entry.missing.length) {
      const text = (await freshness.textContent()) ?? '';
      expect(text.includes('Angaben veraltet')).toBe(entry.stale);
      expect(text.includes('Es fehlt:')).toBe(entry.missing.length > 0);
    } else expect(await freshness.count()).toBe(0);
    // The publiccode.yml download is real YAML from the API.
    const href = await t.page.getByRole('link', { name: 'publiccode.yml herunterladen' }).getAttribute('href');
    const yml = await t.page.request.get(href ?? '');
    expect(yml.status()).toBe(200);
    expect(await yml.text()).toContain('publiccodeYmlVersion');
    await checkPage(t, 'solution-detail');
    await t.context.close();
  });

  it('shows an organisation with what it provides', async () => {
    const hit = await matchWithProvider('Terminvergabe online für Bürgerämter');
    const t = await open(browser);
    await t.page.goto(`/organisationen/${hit.provider?.id}`);
    await t.page.getByTestId('organisation').waitFor();
    expect((await t.page.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe(hit.provider?.name);
    const provides = t.page.getByRole('heading', { name: /Stellt bereit \(\d+\)/ });
    expect(await provides.count()).toBe(1);
    expect(await t.page.getByRole('link', { name: hit.title, exact: true }).count()).toBeGreaterThan(0);
    await checkPage(t, 'organisation');
    await t.context.close();
  });

  it('lists the catalogue and answers unknown pages and ids with "not found"', async () => {
    const t = await open(browser);
    await t.page.goto('/katalog');
    await t.page.getByTestId('catalogue').waitFor();
    expect(await t.page.getByText(/^\d{1,3}(\.\d{3})* Lösungen$/).count()).toBe(1);
    await checkPage(t, 'catalogue');
    await t.page.goto('/loesungen/999999999');
    await t.page.getByRole('heading', { name: 'Seite nicht gefunden' }).waitFor();
    await t.page.goto('/gibt-es-nicht');
    await t.page.getByRole('heading', { name: 'Seite nicht gefunden' }).waitFor();
    await t.context.close();
  });

  it('"Anbieter fragen" from a result opens the direct channel route (after login)', async () => {
    const hit = await matchWithProvider('Wohnsitzanmeldung online mit Meldewesen');
    const user = await account();
    const t = await open(browser);
    await user.session.into(t.context);
    await t.page.goto(`/?q=${encodeURIComponent('Wohnsitzanmeldung online mit Meldewesen')}`);
    const card = t.page.locator(`[data-testid="solution-card"][data-solution-id="${hit.id}"]`);
    await card.waitFor();
    await card.getByTestId('ask-provider').click();
    await t.page.waitForURL(/\/kanaele\/\d+$/);
    const channelId = Number(new URL(t.page.url()).pathname.split('/').pop());
    // The channel really exists, is direct, and the user is in it.
    const ch = (await user.session.request('GET', `/channels/${channelId}`)) as { kind: string; solution_id: number };
    expect(ch.kind).toBe('direct');
    expect(ch.solution_id).toBe(hit.id);
    await t.context.close();
  });

  it('"Zur Q&A" opens the Q&A channel of the solution, whose questions the detail page shows inline', async () => {
    const hit = await matchWithProvider('Terminvergabe online für Bürgerämter');
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const qa = await ops.request<{ id: number }>('POST', '/channels', {
      kind: 'qa',
      name: `Fragen zu ${hit.title}`,
      solution_id: hit.id,
      visibility: 'public',
    });
    const question = `Läuft das auch mit unserem Fachverfahren? ${Date.now()}`;
    await ops.request('POST', `/channels/${qa.id}/messages`, { body: question, title: 'Anbindung' });
    const t = await open(browser);
    await t.page.goto(`/loesungen/${hit.id}`);
    const section = t.page.getByTestId('qa');
    await section.getByText(question).waitFor();
    expect(await section.getByRole('link', { name: 'Im Kanal öffnen' }).getAttribute('href')).toBe(`/kanaele/${qa.id}`);
    // From the result card.
    await t.page.goto(`/?q=${encodeURIComponent('Terminvergabe online für Bürgerämter')}`);
    const card = t.page.locator(`[data-testid="solution-card"][data-solution-id="${hit.id}"]`);
    await card.getByRole('button', { name: 'Zur Q&A' }).click();
    // Anonymous visitors are asked to log in for channels; the target is kept.
    await t.page.waitForURL((u) => u.pathname === '/anmelden' && u.searchParams.get('weiter') === `/kanaele/${qa.id}`);
    await t.context.close();
  });

  it('sends anonymous visitors who ask a provider to the login page and back', async () => {
    const t = await open(browser);
    await t.page.goto(`/?q=${encodeURIComponent('Wohnsitzanmeldung online mit Meldewesen')}`);
    await t.page.getByTestId('ask-provider').first().click();
    await t.page.waitForURL(/\/anmelden\?weiter=/);
    expect(new URL(t.page.url()).searchParams.get('weiter')).toContain('/?q=');
    await t.context.close();
  });
});
