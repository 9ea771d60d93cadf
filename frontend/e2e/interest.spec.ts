// Interest (Interessenbekundung): a member expresses their organisation's interest from a
// result card and sees the aggregate change; a provider sets a threshold on the solution
// page, sees the progress and, once reached, the link to the development community.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ApiSession, OPERATOR, account, checkPage, launch, open } from './harness';

const PROBLEM = 'Wir suchen eine Online-Lösung für die Wohnsitzanmeldung mit Anbindung an unser Meldewesen-Fachverfahren.';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function organisation(name: string, kind: string): Promise<number> {
  const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
  const stamp = Date.now().toString(36);
  return (await ops.request<{ id: number }>('POST', '/organisations', { name: `${name} ${stamp}`, kind })).id;
}

describe('interest', () => {
  it('lets a member express interest from a result card and shows the aggregate change', async () => {
    const kommune = await organisation('Gemeinde Interessenhausen', 'kommune');
    const member = await account({ orgId: kommune });
    const t = await open(browser);
    await member.session.into(t.context);
    await t.page.goto(`/?q=${encodeURIComponent(PROBLEM)}`);
    const card = t.page.getByTestId('solution-card').first();
    await card.waitFor();
    const toggle = card.getByTestId('interest-toggle');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const summary = card.getByTestId('interest-summary');
    await summary.waitFor();
    const before = (await summary.textContent()) ?? '';
    const count = (text: string) => (/^(\d+) Organisation/.exec(text)?.[1] ? Number(/^(\d+)/.exec(text)?.[1]) : 0);
    await checkPage(t, 'interest-card-open');

    await card.getByLabel('Stufe', { exact: true }).selectOption('letter_of_intent');
    await card.getByLabel('Erwartete Größe (optional)').fill('12500');
    await card.getByLabel('Einheit der Größe').selectOption('inhabitants');
    await card.getByLabel('Kommentar (optional)').fill('Start im Frühjahr denkbar.');
    await card.getByTestId('interest-save').click();
    await expect.poll(() => summary.textContent()).not.toBe(before);
    const after = (await summary.textContent()) ?? '';
    expect(count(after)).toBe(count(before) + 1);
    expect(after).toMatch(/Absichtserklärung/);
    expect(after).toMatch(/Kommune/);
    expect(await card.getByText('Ihr Interesse wurde gespeichert.').count()).toBe(1);
    // The form now shows the stored interest and offers to change or withdraw it.
    expect(await card.getByLabel('Stufe', { exact: true }).inputValue()).toBe('letter_of_intent');
    expect(await card.getByLabel('Erwartete Größe (optional)').inputValue()).toBe('12500');
    expect(await card.getByTestId('interest-save').textContent()).toContain('Änderung speichern');
    await checkPage(t, 'interest-card-saved');

    // A size the server refuses is shown at the field, keeping what was typed.
    await card.getByLabel('Erwartete Größe (optional)').fill('-5');
    await card.getByTestId('interest-save').click();
    const size = card.getByLabel('Erwartete Größe (optional)');
    await expect.poll(() => size.getAttribute('aria-invalid')).toBe('true');
    expect(await size.inputValue()).toBe('-5');

    await card.getByTestId('interest-withdraw').click();
    await expect.poll(async () => count((await summary.textContent()) ?? '')).toBe(count(before));
    await t.context.close();
  });

  it('lets a member express interest in another organisation\'s public need; the poster sees who', async () => {
    const poster = await organisation('Gemeinde Bedarfsdorf', 'kommune');
    const posterMember = await account({ orgId: poster });
    const title = `Digitale Schöffenwahl ${Date.now().toString(36)}`;
    const need = await posterMember.session.request<{ id: number }>('POST', '/needs', {
      organisation_id: poster,
      title,
      description: 'Vorschlagslisten für Schöffinnen und Schöffen online führen und prüfen.',
      visibility: 'public',
    });
    const interestedOrg = await organisation('Stadt Mitmachhausen', 'kommune');
    const member = await account({ orgId: interestedOrg });

    const t = await open(browser);
    await member.session.into(t.context);
    await t.page.goto('/bedarfe');
    const card = t.page.getByTestId('need-list').locator('li').filter({ has: t.page.getByRole('heading', { name: title }) });
    await card.waitFor();
    const toggle = card.getByTestId('interest-toggle');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    const summary = card.getByTestId('interest-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toBe('Noch keine Organisation hat Interesse bekundet.');
    await card.getByLabel('Stufe', { exact: true }).selectOption('interested');
    await card.getByLabel('Kommentar (optional)').fill('Wir würden mitentwickeln.');
    await card.getByTestId('interest-save').click();
    await card.getByText('Ihr Interesse wurde gespeichert.').waitFor();
    await expect.poll(() => summary.textContent()).toMatch(/^1 Organisation interessiert/);
    await checkPage(t, 'interest-need');
    const stored = await member.session.request<{ summary: { organisations: number } }>('GET', `/needs/${need.id}/interests`);
    expect(stored.summary.organisations).toBe(1);
    await t.context.close();

    // The posting organisation's member sees the interested organisation by name.
    const p = await open(browser);
    await posterMember.session.into(p.context);
    await p.page.goto('/bedarfe');
    const own = p.page.getByTestId('need-list').locator('li').filter({ has: p.page.getByRole('heading', { name: title }) });
    await own.getByTestId('interest-toggle').click();
    const rows = own.getByTestId('interest-named').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Stadt Mitmachhausen');
    expect(await rows.first().textContent()).toContain('Wir würden mitentwickeln.');
    expect(await own.getByTestId('interest-save').count()).toBe(0);
    await p.context.close();
  });

  it('lets a provider set a threshold, see the progress and open the community once reached', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const provider = await organisation('Kommunales Rechenzentrum Schwellental', 'it_dienstleister');
    const solution = await ops.request<{ id: number; title: string }>('POST', '/solutions', {
      title: `Digitale Hundesteuer ${Date.now().toString(36)}`,
      kind: 'online_service',
      provider_id: provider,
    });
    const providerMember = await account({ orgId: provider, role: 'provider' });
    const t = await open(browser);
    await providerMember.session.into(t.context);
    await t.page.goto(`/loesungen/${solution.id}`);
    const panel = t.page.getByTestId('interest-panel');
    await panel.getByTestId('interest-summary').waitFor();
    expect(await panel.textContent()).toContain('Dies ist ein Angebot Ihrer Organisation');
    await panel.getByLabel('Ab welcher Stufe zählt eine Organisation?').selectOption('letter_of_intent');
    await panel.getByLabel('Anzahl der Organisationen').fill('2');
    await panel.getByTestId('threshold-save').click();
    await expect.poll(() => panel.getByTestId('threshold').textContent()).toContain('0 von 2 Absichtserklärungen');
    await checkPage(t, 'interest-threshold-set');

    // Two Kommunen sign (through the API); the provider sees who, and the open community.
    for (const name of ['Stadt Erstheim', 'Gemeinde Zweitdorf']) {
      const m = await account({ orgId: await organisation(name, 'kommune') });
      await m.session.request('PUT', `/solutions/${solution.id}/interest`, { level: 'letter_of_intent' });
    }
    await t.page.reload();
    await expect.poll(() => panel.getByTestId('threshold').textContent()).toContain('2 von 2 Absichtserklärungen');
    expect(await panel.getByTestId('threshold').textContent()).toContain('Schwelle am');
    const rows = panel.getByTestId('interest-named').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toMatch(/Erstheim|Zweitdorf/);
    await checkPage(t, 'interest-threshold-reached');
    await panel.getByTestId('threshold-channel').click();
    await t.page.waitForURL((u) => u.pathname.startsWith('/kanaele/'));
    await expect.poll(() => t.page.getByRole('heading', { level: 1 }).textContent()).toContain('Entwicklungsgemeinschaft');
    await t.context.close();
  });
});
