// Providers edit their solutions (and only they and operators may).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ApiSession, OPERATOR, account, checkPage, emptyDateText, launch, open, openAccountMenu } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** A fresh provider organisation with one solution, so edits touch no catalogue entry. */
async function providedSolution() {
  const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
  const stamp = Date.now().toString(36);
  const org = await ops.request<{ id: number }>('POST', '/organisations', { name: `Kreis Testhausen ${stamp}`, kind: 'kreis' });
  const solution = await ops.request<{ id: number; title: string }>('POST', '/solutions', {
    title: `Wohngeldantrag digital ${stamp}`,
    summary: 'Der alte Text.',
    kind: 'online_service',
    provider_id: org.id,
    standards: ['XÖV'],
  });
  return { org, solution };
}

describe('solution editing', () => {
  it('lets a provider edit the summary, with errors at the field and the input kept', async () => {
    const { org, solution } = await providedSolution();
    const provider = await account({ orgId: org.id, role: 'provider' });
    const t = await open(browser);
    await provider.session.into(t.context);
    await t.page.goto(`/loesungen/${solution.id}`);
    await t.page.getByRole('link', { name: 'Bearbeiten' }).click();
    await t.page.getByTestId('solution-form').waitFor();
    expect(await t.page.getByLabel('Titel').inputValue()).toBe(solution.title);
    expect(await t.page.getByLabel('Standards').inputValue()).toBe('XÖV');
    // The browser runs in German: an empty date field reads tt.mm.jjjj, not mm/dd/yyyy.
    expect(await emptyDateText(t.page, '#s-verified')).toBe('tt.mm.jjjj');
    await checkPage(t, 'solution-edit');

    const summary = 'Antrag auf Wohngeld vollständig online, mit Anbindung an das Fachverfahren.';
    await t.page.getByLabel('Kurzbeschreibung').fill(summary);
    // The server refuses a web address without https://: the message sits at the field.
    await t.page.getByLabel('Website').fill('kein-link');
    await t.page.getByRole('button', { name: 'Änderungen speichern' }).click();
    const url = t.page.getByLabel('Website');
    await expect.poll(() => url.getAttribute('aria-invalid')).toBe('true');
    // The field's own reason in German (not the generic "Bitte prüfen Sie Ihre Eingaben"),
    // tied to the input.
    expect((await t.page.locator('#s-url-error').textContent())?.trim()).toBe(
      'Bitte geben Sie eine vollständige Webadresse an, die mit https:// beginnt, zum Beispiel https://www.beispiel.de.',
    );
    expect(await url.getAttribute('aria-describedby')).toContain('s-url-error');
    expect(await t.page.getByTestId('error-alert').count()).toBe(0);
    expect(await t.page.getByLabel('Kurzbeschreibung').inputValue()).toBe(summary);
    expect(await t.page.evaluate(() => document.activeElement?.id)).toBe('s-url');
    await checkPage(t, 'solution-edit-error');

    // A summary over the server's limit: its message names the limit and the length typed.
    await url.fill('https://wohngeld.example.org');
    const long = t.page.getByLabel('Kurzbeschreibung');
    await long.fill('x'.repeat(4001));
    await t.page.getByRole('button', { name: 'Änderungen speichern' }).click();
    await expect.poll(() => long.getAttribute('aria-invalid')).toBe('true');
    expect((await t.page.locator('#s-summary-error').textContent())?.trim()).toBe('Höchstens 4.000 Zeichen sind erlaubt, Ihre Eingabe hat 4.001.');
    expect(await long.getAttribute('aria-describedby')).toBe('s-summary-error');
    expect(await url.getAttribute('aria-invalid')).toBeNull();
    await long.fill(summary);
    await t.page.getByRole('button', { name: 'Änderungen speichern' }).click();
    await t.page.waitForURL((u) => u.pathname === `/loesungen/${solution.id}` && u.search === '?gespeichert=1');
    await t.page.getByTestId('saved').waitFor();
    expect(await t.page.getByTestId('solution-detail').textContent()).toContain(summary);
    const saved = await provider.session.request<{ summary: string; url: string; standards: string[] }>('GET', `/solutions/${solution.id}`);
    expect(saved).toMatchObject({ summary, url: 'https://wohngeld.example.org', standards: ['XÖV'] });
    await checkPage(t, 'solution-saved');
    await t.context.close();
  });

  it('offers no editing to a seeker and says so on the edit address', async () => {
    const { solution } = await providedSolution();
    const seeker = await account();
    const t = await open(browser);
    await seeker.session.into(t.context);
    await t.page.goto(`/loesungen/${solution.id}`);
    await t.page.getByTestId('solution-detail').waitFor();
    expect(await t.page.getByRole('link', { name: 'Bearbeiten' }).count()).toBe(0);
    await t.page.goto(`/loesungen/${solution.id}/bearbeiten`);
    await t.page.getByTestId('no-permission').waitFor();
    expect(await t.page.getByTestId('no-permission').textContent()).toContain('keine Berechtigung');
    expect(await t.page.getByTestId('solution-form').count()).toBe(0);
    await checkPage(t, 'solution-edit-forbidden');
    await t.context.close();
  });

  it('lets a provider create a solution for the organisation', async () => {
    const { org, solution } = await providedSolution();
    const provider = await account({ orgId: org.id, role: 'provider' });
    const t = await open(browser);
    await provider.session.into(t.context);
    await t.page.goto('/');
    // "Meine Lösungen": only the organisation's entries; the never verified one is stale and
    // is confirmed as current in one click.
    await openAccountMenu(t.page);
    await t.page.locator('header').getByRole('link', { name: 'Meine Lösungen' }).click();
    await t.page.waitForURL((u) => u.pathname === '/katalog' && u.searchParams.get('mine') === '1');
    expect(await t.page.getByRole('heading', { level: 1 }).textContent()).toBe('Meine Lösungen');
    await t.page.getByText('1 Lösung', { exact: true }).waitFor();
    const row = t.page.getByTestId('catalogue').locator('li');
    expect(await row.count()).toBe(1);
    expect(await row.getByRole('link').textContent()).toBe(solution.title);
    await row.getByTestId('stale-badge').waitFor();
    await checkPage(t, 'my-solutions');
    await row.getByRole('button', { name: `Angaben sind noch aktuell: ${solution.title}` }).click();
    await t.page.getByText(`„${solution.title}“ ist als aktuell bestätigt.`).waitFor();
    await row.getByTestId('stale-badge').waitFor({ state: 'detached' });
    expect((await provider.session.request<{ stale: boolean }>('GET', `/solutions/${solution.id}`)).stale).toBe(false);

    await t.page.getByRole('link', { name: 'Neue Lösung anlegen' }).click();
    await t.page.waitForURL((u) => u.pathname === '/loesungen/neu');
    await t.page.getByTestId('solution-form').waitFor();
    expect(await t.page.getByRole('heading', { level: 1 }).textContent()).toBe('Neue Lösung');
    await checkPage(t, 'solution-new');
    // Without a title: a German error at the title, nothing sent.
    await t.page.getByRole('button', { name: 'Lösung anlegen' }).click();
    await expect.poll(() => t.page.getByLabel('Titel').getAttribute('aria-invalid')).toBe('true');
    await t.page.getByLabel('Titel').fill('Hundesteuer-Anmeldung');
    await t.page.getByRole('button', { name: 'Ansprechperson hinzufügen' }).click();
    await t.page.locator('#s-contact-0-name').fill('Erika Muster');
    await t.page.getByRole('button', { name: 'Lösung anlegen' }).click();
    await t.page.waitForURL((u) => /^\/loesungen\/\d+$/.test(u.pathname) && u.search === '?angelegt=1');
    expect(await t.page.getByRole('heading', { level: 1 }).textContent()).toContain('Hundesteuer-Anmeldung');
    expect(await t.page.getByTestId('solution-detail').textContent()).toContain('Erika Muster');
    await t.context.close();
  });
});
