// The catalogue in open standards as a browser sees it: the schema.org data block of a solution
// page under the strict CSP, and the "Offene Daten" hint of the catalogue.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PHONE, baseURL, checkPage, launch, open } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

interface Entry {
  id: number;
  title: string;
}

describe('open data', () => {
  it('a solution page carries its schema.org block and the CSP blocks nothing', async () => {
    const list = (await (await fetch(`${baseURL()}/api/v1/solutions?source=publiccode&limit=1&sort=id`)).json()) as { items: Entry[] };
    const entry = list.items[0];
    if (!entry) throw new Error('no publiccode.yml entry in the catalogue');
    const t = await open(browser);
    // Reported by the page itself: a blocked script, style or data block would show here.
    await t.page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { cspViolations: string[] }).cspViolations ??= [];
        (window as unknown as { cspViolations: string[] }).cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const res = await t.page.goto(`/loesungen/${entry.id}`);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    await t.page.getByTestId('solution-detail').waitFor();
    const block = await t.page.locator('script[type="application/ld+json"]').textContent();
    const ld = JSON.parse(block ?? '{}') as { '@type': string; name: string; url: string };
    expect(ld['@type']).toBe('SoftwareApplication');
    expect(ld.name).toBe(entry.title);
    expect(ld.url).toBe(`${baseURL()}/loesungen/${entry.id}`);
    expect((await t.page.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe(entry.title);
    const violations = await t.page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);
    expect(violations).toEqual([]);
    await checkPage(t, 'solution-detail-json-ld');
    await t.context.close();
  });

  it('the catalogue links the DCAT catalogue document, also at phone width', async () => {
    const t = await open(browser, { viewport: PHONE });
    await t.page.goto('/katalog');
    const hint = t.page.getByTestId('open-data');
    await hint.waitFor();
    expect(await hint.getByRole('heading', { name: 'Offene Daten' }).count()).toBe(1);
    const href = await hint.getByRole('link', { name: /DCAT-AP/ }).getAttribute('href');
    const doc = await t.page.request.get(href ?? '');
    expect(doc.status()).toBe(200);
    expect(doc.headers()['content-type']).toBe('application/ld+json');
    const body = (await doc.json()) as { '@type': string[]; 'hydra:view': { 'hydra:next'?: string } };
    expect(body['@type']).toContain('dcat:Catalog');
    expect(body['hydra:view']['hydra:next']).toBeTruthy();
    await checkPage(t, 'catalogue-open-data');
    await t.context.close();
  });
});
