// Verified usage and shared reviews on the solution page: a claim by an outsider is shown
// as unconfirmed until the using organisation confirms it; a review with an uploaded
// document is listed with its download and "nachgenutzt".

import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ApiSession, OPERATOR, account, checkPage, launch, open } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Fresh organisations and a solution, so the test touches no catalogue entry. */
async function world() {
  const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
  const stamp = Date.now().toString(36);
  const city = await ops.request<{ id: number; name: string }>('POST', '/organisations', { name: `Stadt Prüfhausen ${stamp}`, kind: 'kommune', land: 'Hessen' });
  const ministry = await ops.request<{ id: number; name: string }>('POST', '/organisations', { name: `Ministerium Testland ${stamp}`, kind: 'land', land: 'Hessen' });
  const solution = await ops.request<{ id: number }>('POST', '/solutions', { title: `Hundesteuer online ${stamp}`, kind: 'online_service', provider_id: ministry.id });
  return { city, ministry, solution };
}

describe('usages and reviews', () => {
  it('shows a claim as unconfirmed until the organisation confirms it', async () => {
    const { city, ministry, solution } = await world();
    const outsider = await account({ orgId: ministry.id });
    await outsider.session.request('POST', `/solutions/${solution.id}/usages`, { organisation_id: city.id, since: '2024-02-01', version: '3.1' });
    const clerk = await account({ orgId: city.id });

    const t = await open(browser);
    await clerk.session.into(t.context);
    await t.page.goto(`/loesungen/${solution.id}`);
    const item = t.page.getByTestId('usage-item').filter({ hasText: city.name });
    await item.waitFor();
    expect(await item.getByTestId('usage-badge').textContent()).toContain('Unbestätigte Angabe');
    expect(await t.page.getByTestId('usage-counts').textContent()).toContain('Noch von keiner Verwaltung bestätigt');
    expect(await t.page.getByTestId('usages').textContent()).toContain('1 weitere Angabe ist noch nicht von der Verwaltung bestätigt');
    await checkPage(t, 'usage-claimed');

    await item.getByRole('button', { name: 'Nutzung bestätigen' }).click();
    await expect.poll(() => item.getByTestId('usage-badge').textContent()).toContain('Bestätigt');
    expect(await t.page.getByTestId('usage-counts').textContent()).toContain('wird genutzt von 1 Verwaltung (bestätigt)');
    const stored = await clerk.session.request<{ items: { verification: string }[] }>('GET', `/usages?solution_id=${solution.id}`);
    expect(stored.items.map((u) => u.verification)).toEqual(['confirmed']);

    // The confirmed organisation writes an experience report.
    await item.getByRole('button', { name: 'Erfahrungsbericht schreiben' }).click();
    await t.page.getByLabel('Was gut lief').fill('Schnelle Einführung in drei Monaten.');
    await t.page.getByLabel('Einmalige Kosten (€)').fill('zwölf');
    await t.page.getByRole('button', { name: 'Bericht veröffentlichen' }).click();
    // A bad number is named at its field, the rest of the input is kept.
    await expect.poll(() => t.page.getByLabel('Einmalige Kosten (€)').getAttribute('aria-invalid')).toBe('true');
    expect(await t.page.getByLabel('Was gut lief').inputValue()).toBe('Schnelle Einführung in drei Monaten.');
    await t.page.getByLabel('Einmalige Kosten (€)').fill('12.000,50');
    await t.page.getByRole('button', { name: 'Bericht veröffentlichen' }).click();
    const report = t.page.getByTestId('experience-report');
    await report.waitFor();
    expect(await report.textContent()).toContain('12.000,5 €');
    await checkPage(t, 'usage-confirmed');
    await t.context.close();
  });

  it('marks a review whose validity has ended as expired, and only that one', async () => {
    const { city, solution } = await world();
    const reviewer = await account({ orgId: city.id });
    for (const [kind, validUntil, summary] of [
      ['it_grundschutz', '2024-12-31', 'Grundschutz-Check von 2023, nicht erneuert.'],
      ['accessibility_bitv', '2099-12-31', 'BITV-Test bestanden.'],
    ] as const) {
      await reviewer.session.request('POST', `/solutions/${solution.id}/reviews`, {
        organisation_id: city.id,
        kind,
        reviewed_on: '2023-06-01',
        valid_until: validUntil,
        summary,
      });
    }
    const t = await open(browser);
    await t.page.goto(`/loesungen/${solution.id}`);
    const expired = t.page.getByTestId('review-item').filter({ hasText: 'nicht erneuert' });
    const valid = t.page.getByTestId('review-item').filter({ hasText: 'BITV-Test bestanden' });
    await expired.waitFor();
    await valid.waitFor();
    expect(await expired.getByTestId('review-expired').textContent()).toBe('Abgelaufen');
    expect(await expired.textContent()).toContain('31.12.2024');
    expect(await expired.getByText('Die Gültigkeit ist abgelaufen. Prüfen Sie, ob die Ergebnisse noch zutreffen.').count()).toBe(1);
    expect(await valid.getByTestId('review-expired').count()).toBe(0);
    expect(await valid.textContent()).not.toContain('abgelaufen');
    await checkPage(t, 'review-expired');
    await t.context.close();
  });

  it('uploads a review, lists it with its download, and counts "nachgenutzt"', async () => {
    const { city, ministry, solution } = await world();
    const reviewer = await account({ orgId: ministry.id });
    const t = await open(browser);
    await reviewer.session.into(t.context);
    await t.page.goto(`/loesungen/${solution.id}`);
    const form = t.page.getByTestId('review-form');
    await form.waitFor();
    // The list loads after the form appears: wait for it instead of reading it once.
    await expect.poll(() => t.page.getByTestId('reviews').textContent()).toContain('Für diese Lösung ist noch keine Prüfung eingetragen.');

    // Missing required fields are named at the fields.
    await form.getByRole('button', { name: 'Prüfung eintragen' }).click();
    await expect.poll(() => t.page.getByLabel('Ergebnis in Kürze').getAttribute('aria-invalid')).toBe('true');

    const dir = mkdtempSync(join(tmpdir(), 'mr-review-'));
    const pdf = join(dir, 'DSFA Hundesteuer.pdf');
    writeFileSync(pdf, '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
    await form.getByLabel('Art der Prüfung').selectOption('dsfa');
    await t.page.getByLabel('Prüfdatum').fill('2025-03-01');
    await t.page.getByLabel('Gültig bis').fill('2028-03-01');
    await t.page.getByLabel('Ergebnis in Kürze').fill('Restrisiko tragbar; TOMs dokumentiert.');
    await t.page.getByLabel('Dokument hochladen (optional)').setInputFiles(pdf);
    await form.getByRole('button', { name: 'Prüfung eintragen' }).click();
    await t.page.getByTestId('review-saved').waitFor();
    const item = t.page.getByTestId('review-item').first();
    await item.waitFor();
    expect(await item.textContent()).toContain('Datenschutz-Folgenabschätzung (DSFA)');
    const download = item.getByTestId('review-download');
    expect(await download.textContent()).toContain('DSFA Hundesteuer.pdf');
    const href = await download.getAttribute('href');
    const res = await fetch(`${t.page.url().split('/loesungen')[0]}${href}`);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    await checkPage(t, 'review-listed');
    await t.context.close();

    // Another administration marks it as reused.
    const clerk = await account({ orgId: city.id });
    const c = await open(browser);
    await clerk.session.into(c.context);
    await c.page.goto(`/loesungen/${solution.id}`);
    const mine = c.page.getByTestId('review-item').first();
    await mine.getByRole('button', { name: 'Wir haben diese Prüfung nachgenutzt' }).click();
    await expect.poll(() => mine.getByTestId('review-reused').textContent()).toContain('von 1 Verwaltung nachgenutzt');
    await checkPage(c, 'review-reused');
    await c.context.close();
  });
});
