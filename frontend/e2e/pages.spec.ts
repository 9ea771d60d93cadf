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

  it('shows what an organisation uses and its public needs (not its internal ones)', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const stamp = Date.now().toString(36);
    const city = await ops.request<{ id: number; name: string }>('POST', '/organisations', { name: `Stadt Nutzheim ${stamp}`, kind: 'kommune' });
    const maker = await ops.request<{ id: number }>('POST', '/organisations', { name: `Landesbetrieb IT ${stamp}`, kind: 'land' });
    const used = await ops.request<{ id: number; title: string }>('POST', '/solutions', {
      title: `Sperrmüll-Termine online ${stamp}`,
      kind: 'online_service',
      provider_id: maker.id,
    });
    const clerk = await account({ orgId: city.id });
    await clerk.session.request('POST', `/solutions/${used.id}/usages`, { organisation_id: city.id, status: 'in_use', since: '2024-05-01' });
    const publicNeed = `Parkausweise für Anwohnende digital ${stamp}`;
    const internalNeed = `Interne Aktenablage ${stamp}`;
    await clerk.session.request('POST', '/needs', { organisation_id: city.id, title: publicNeed, description: 'Antrag und Bezahlung online.', visibility: 'public' });
    await clerk.session.request('POST', '/needs', { organisation_id: city.id, title: internalNeed, description: 'Nur für uns.', visibility: 'organisation' });

    const t = await open(browser);
    await t.page.goto(`/organisationen/${city.id}`);
    await t.page.getByTestId('organisation').waitFor();
    const uses = t.page.locator('section[aria-labelledby="o-uses"]');
    expect(await uses.getByRole('heading', { level: 2 }).textContent()).toBe('Nutzt');
    const usage = uses.getByRole('listitem').filter({ hasText: used.title });
    await usage.waitFor();
    expect(await usage.getByRole('link', { name: used.title }).getAttribute('href')).toBe(`/loesungen/${used.id}`);
    expect(await usage.textContent()).toContain('Im Einsatz, seit 01.05.2024');
    expect(await usage.getByTestId('usage-badge').textContent()).toContain('Bestätigt');
    const needs = t.page.locator('section[aria-labelledby="o-needs"]');
    expect(await needs.getByRole('heading', { level: 2 }).textContent()).toBe('Öffentliche Bedarfe');
    expect(await needs.getByRole('listitem').count()).toBe(1);
    expect(await needs.getByRole('listitem').textContent()).toContain(publicNeed);
    expect(await t.page.getByTestId('organisation').textContent()).not.toContain(internalNeed);
    expect(await t.page.getByText('Diese Organisation stellt keine Lösungen im Katalog bereit.').count()).toBe(1);
    await checkPage(t, 'organisation-uses-needs');

    // An organisation with neither says so in both sections.
    await t.page.goto(`/organisationen/${maker.id}`);
    await t.page.getByText('Keine Nutzungen eingetragen.').waitFor();
    expect(await t.page.getByText('Keine öffentlichen Bedarfe.').count()).toBe(1);
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

  it('filters the catalogue by freshness and sorts it by the last check', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const stamp = Date.now().toString(36);
    const provider = await ops.request<{ id: number }>('POST', '/organisations', { name: `Kreis Aktualität ${stamp}`, kind: 'kreis' });
    const day = 24 * 3600 * 1000;
    const title = (name: string) => `Katalogprobe ${stamp} ${name}`;
    for (const [name, daysAgo] of [['Alt', 3 * 365], ['Mittel', 10], ['Neu', 1]] as const) {
      await ops.request('POST', '/solutions', {
        title: title(name),
        kind: 'software',
        provider_id: provider.id,
        last_verified_at: new Date(Date.now() - daysAgo * day).toISOString(),
      });
    }
    const t = await open(browser);
    await t.page.goto('/katalog');
    await t.page.getByTestId('catalogue').waitFor();
    const rows = t.page.getByTestId('catalogue').locator('li');
    const titles = async () => (await rows.getByRole('link').allTextContents()).map((s) => s.trim());
    const apply = async (freshness: string, sort: string) => {
      await t.page.getByLabel('Aktualität').selectOption(freshness);
      await t.page.getByLabel('Sortierung').selectOption(sort);
      await t.page.getByRole('button', { name: 'Suche', exact: true }).click();
      await t.page.waitForURL((u) => (u.searchParams.get('stale') ?? '') === freshness && (u.searchParams.get('sort') ?? '') === sort);
    };
    await t.page.getByRole('searchbox', { name: 'Im Katalog suchen' }).fill(`Katalogprobe ${stamp}`);

    await apply('true', '');
    await t.page.getByText('1 Lösung', { exact: true }).waitFor();
    expect(await titles()).toEqual([title('Alt')]);
    expect(await rows.getByTestId('stale-badge').count()).toBe(1);

    await apply('false', '-last_verified_at');
    await t.page.getByText('2 Lösungen', { exact: true }).waitFor();
    expect(await titles()).toEqual([title('Neu'), title('Mittel')]);
    expect(await rows.getByTestId('stale-badge').count()).toBe(0);

    await apply('', 'last_verified_at');
    await t.page.getByText('3 Lösungen', { exact: true }).waitFor();
    expect(await titles()).toEqual([title('Alt'), title('Mittel'), title('Neu')]);
    expect(await rows.first().getByTestId('stale-badge').textContent()).toBe('Angaben veraltet');
    expect(await rows.nth(1).textContent()).toMatch(/Zuletzt geprüft \d{2}\.\d{2}\.\d{4}/);
    // The filters live in the address: a reload keeps them.
    await t.page.reload();
    await t.page.getByText('3 Lösungen', { exact: true }).waitFor();
    expect(await t.page.getByLabel('Sortierung').inputValue()).toBe('last_verified_at');
    expect(await titles()).toEqual([title('Alt'), title('Mittel'), title('Neu')]);
    await checkPage(t, 'catalogue-freshness');
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
