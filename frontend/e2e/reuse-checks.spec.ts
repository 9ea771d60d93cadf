// The documented reuse check (Vorrangprüfung): save a search from the results page, decide
// each candidate with a reason, record the outcome, close it (then frozen), and export it
// as Markdown and as a printable page; every page axe-green.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiSession, OPERATOR, account, checkPage, expectAccessible, launch, open, screenshotDir, screenshots } from './harness';

const PROBLEM = 'Wir suchen eine Online-Lösung für die Wohnsitzanmeldung mit Anbindung an unser Meldewesen-Fachverfahren.';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('reuse check', () => {
  it('is saved from a search, decided, closed and exported', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const stamp = Date.now().toString(36);
    const org = await ops.request<{ id: number; name: string }>('POST', '/organisations', {
      name: `Gemeinde Prüfstadt ${stamp}`,
      kind: 'kommune',
      land: 'Hessen',
    });
    const member = await account({ orgId: org.id, name: 'Petra Prüfer' });
    const t = await open(browser);
    await member.session.into(t.context);

    await t.page.goto(`/?q=${encodeURIComponent(PROBLEM)}`);
    await t.page.getByTestId('solution-card').first().waitFor();
    const shown = await t.page.getByTestId('solution-card').count();
    await t.page.getByTestId('save-check').waitFor();
    await t.page.getByRole('button', { name: 'Als Vorrangprüfung speichern' }).click();
    await t.page.waitForURL(/\/vorrangpruefungen\/\d+$/);
    const id = Number(new URL(t.page.url()).pathname.split('/').pop());
    await t.page.getByTestId('candidate').first().waitFor();
    expect(await t.page.getByTestId('candidate').count()).toBe(shown);
    expect(await t.page.getByRole('heading', { level: 1 }).textContent()).toContain('Wir suchen eine Online-Lösung');
    await checkPage(t, 'reuse-check-open');

    // Closing too early says what is missing; nothing is lost.
    await t.page.getByRole('button', { name: 'Vorrangprüfung abschließen' }).click();
    await t.page.getByTestId('error-alert').waitFor();

    // The first candidate through the form: no choice yet is an error at the field.
    const first = t.page.getByTestId('candidate').first();
    const firstTitle = (await first.getByRole('heading', { level: 3 }).textContent()) ?? '';
    await first.getByLabel('Begründung', { exact: true }).fill('Keine Anbindung an unser Meldewesen-Fachverfahren.');
    await first.getByRole('button', { name: 'Entscheidung speichern' }).click();
    await first.getByText('Bitte wählen Sie eine Entscheidung.').waitFor();
    expect(await first.getByLabel('Begründung', { exact: true }).inputValue()).toBe('Keine Anbindung an unser Meldewesen-Fachverfahren.');
    await first.getByLabel('Passt nicht').check();
    await first.getByRole('button', { name: 'Entscheidung speichern' }).click();
    await first.getByText(`Entscheidung zu „${firstTitle}“ gespeichert.`).waitFor();

    // The others through the API (the same routes the form uses), then a reload.
    const check = await member.session.request<{ candidates: { solution_id: number }[] }>('GET', `/reuse-checks/${id}`);
    for (const c of check.candidates.slice(1)) {
      await member.session.request('PUT', `/reuse-checks/${id}/candidates/${c.solution_id}`, {
        decision: 'does_not_fit',
        reason: 'Deckt die Anmeldung nicht ab.',
      });
    }
    await t.page.reload();
    await t.page.getByTestId('outcome-form').waitFor();
    await t.page.getByLabel('Wir entwickeln neu').check();
    await t.page.getByLabel('Begründung des Ergebnisses').fill('Keine der geprüften Lösungen bindet unser Fachverfahren an.');
    await t.page.getByRole('button', { name: 'Ergebnis speichern' }).click();
    await t.page.getByText('Ergebnis gespeichert.').waitFor();
    expect(await t.page.getByTestId('outcome').textContent()).toBe('Neuentwicklung, weil keine geprüfte Lösung passt');

    await t.page.getByRole('button', { name: 'Vorrangprüfung abschließen' }).click();
    await t.page.getByText(/wurde am .* abgeschlossen und kann nicht mehr geändert werden/).first().waitFor();
    expect(await t.page.getByRole('button', { name: 'Entscheidung speichern' }).count()).toBe(0);
    expect(await t.page.getByTestId('outcome-form').count()).toBe(0);
    await checkPage(t, 'reuse-check-closed');

    // Markdown export (the browser's session).
    const md = await t.page.request.get(`/api/v1/reuse-checks/${id}/export.md`);
    expect(md.status()).toBe(200);
    const text = await md.text();
    expect(text).toContain(`| Organisation | Gemeinde Prüfstadt ${stamp} |`);
    expect(text).toContain('- Entscheidung: **Passt nicht**');
    expect(text).toContain('**Neuentwicklung, weil keine geprüfte Lösung passt**');
    // Kept beside the screenshots: an example export from the real catalogue.
    mkdirSync(screenshotDir, { recursive: true });
    writeFileSync(join(screenshotDir, 'reuse-check-export.md'), text);

    // The printable page: its own CSP, no console errors (a blocked style would be one).
    await t.page.goto(`/api/v1/reuse-checks/${id}/export.html`);
    await t.page.getByRole('heading', { level: 1 }).waitFor();
    expect(await t.page.getByRole('heading', { level: 1 }).textContent()).toContain('Vorrangprüfung:');
    expect(await t.page.locator('main').evaluate((el) => getComputedStyle(el).maxWidth)).toBe('768px');
    await expectAccessible(t.page, 'reuse-check-print');
    expect(t.problems).toEqual([]);
    await screenshots(t.page, 'reuse-check-print');
    await t.page.emulateMedia({ media: 'print' });
    expect(await t.page.locator('.hint').isVisible()).toBe(false);
    await t.page.emulateMedia({ media: 'screen' });

    // The organisation's list.
    await t.page.goto('/vorrangpruefungen');
    const list = t.page.getByTestId('reuse-checks');
    await list.waitFor();
    expect(await list.textContent()).toContain('Abgeschlossen am');
    await checkPage(t, 'reuse-check-list');
    await t.context.close();
  });
});
