// The UI's contracts with the server: the committed API types match the live OpenAPI
// document, the semantic-index banner follows GET /api/v1/status, strict CSP and caching
// of what the browser loads, and the start page's speed.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { generate, schemaFile } from '../scripts/api-types.mjs';
import { baseURL, checkPage, launch, open } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('contracts', () => {
  it('src/api/schema.d.ts matches the server\'s OpenAPI document (else: npm run types)', async () => {
    const doc = await (await fetch(`${baseURL()}/api/v1/openapi.json`)).json();
    const { text } = await generate(doc);
    expect(readFileSync(schemaFile, 'utf8') === text, 'src/api/schema.d.ts is stale: run `npm run types` against a current server').toBe(true);
  });

  it('loads only same-origin files under a strict CSP, assets cached for a year', async () => {
    const t = await open(browser);
    const responses: { url: string; cache: string; type: string; bytes: Promise<number> }[] = [];
    t.page.on('response', (r) =>
      responses.push({
        url: r.url(),
        cache: r.headers()['cache-control'] ?? '',
        type: r.request().resourceType(),
        bytes: r.request().sizes().then((s) => s.responseBodySize),
      }),
    );
    const res = await t.page.goto('/');
    expect(res?.headers()['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res?.headers()['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res?.headers()['cache-control']).toBe('no-cache');
    await t.page.getByLabel('Beschreiben Sie Ihr Problem').waitFor();
    const origin = new URL(baseURL()).origin;
    expect(responses.every((r) => r.url.startsWith(origin) || r.url.startsWith('data:')), JSON.stringify(responses)).toBe(true);
    const assets = responses.filter((r) => new URL(r.url).pathname.startsWith('/assets/'));
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const a of assets) expect(a.cache, a.url).toBe('public, max-age=31536000, immutable');
    const sizes = await Promise.all(responses.map(async (r) => ({ type: r.type, bytes: await r.bytes })));
    const byType = sizes.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.type]: (acc[r.type] ?? 0) + r.bytes }), {});
    console.log(`[measure] start page transfer by type (bytes as sent): ${JSON.stringify(byType)}`);
    // No CSP violation was reported (they appear as console errors).
    expect(t.problems).toEqual([]);
    await t.context.close();
  });

  it('is interactive quickly and measures it', async () => {
    const t = await open(browser);
    // A cold first load (fresh context, empty cache).
    const started = Date.now();
    await t.page.goto('/');
    const field = t.page.getByLabel('Beschreiben Sie Ihr Problem');
    await field.waitFor();
    await field.fill('Test');
    const interactiveMs = Date.now() - started;
    const nav = await t.page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const app = performance.getEntriesByName('mr:app-interactive')[0]?.startTime ?? -1;
      return { domInteractive: n.domInteractive, domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd, app };
    });
    console.log(
      `[measure] start page: domInteractive ${nav.domInteractive.toFixed(0)} ms, app interactive ${nav.app.toFixed(0)} ms, load ${nav.load.toFixed(0)} ms (all from navigation start); typed into the field ${interactiveMs} ms after goto() was called`,
    );
    // The app's handlers are attached well under a second after navigation started.
    expect(nav.app).toBeGreaterThan(0);
    expect(nav.app).toBeLessThan(1000);
    await t.context.close();
  });

  it('follows the dark colour scheme of the system, accessibly', async () => {
    const t = await open(browser, { colorScheme: 'dark' });
    await t.page.goto(`/?q=${encodeURIComponent('Ratsinformationssystem für Sitzungsunterlagen')}`);
    await t.page.getByTestId('solution-card').first().waitFor();
    expect(await t.page.evaluate(() => document.documentElement.dataset.kernTheme)).toBe('dark');
    const bg = await t.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
    expect((r ?? 255) + (g ?? 255) + (b ?? 255), `body background ${bg}`).toBeLessThan(200);
    await checkPage(t, 'results-dark');
    await t.context.close();
  });

  it('shows the semantic-index progress from GET /api/v1/status while it is building', async () => {
    const t = await open(browser);
    // The index of the test server is ready; the status answer of a server that is still
    // building (the contract's shape) is given to this page only, to see the banner react.
    let percent = 43;
    await t.page.route('**/api/v1/status', (route) =>
      route.fulfill({
        json: {
          catalogue: { solutions: 6588 },
          semantic: { state: percent < 100 ? 'building' : 'ready', indexed: Math.round(65.88 * percent), total: 6588, percent },
        },
      }),
    );
    await t.page.goto('/');
    const banner = t.page.getByTestId('semantic-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Semantische Suche wird vorbereitet … 43 %');
    expect(await banner.locator('progress').getAttribute('value')).toBe('43');
    await checkPage(t, 'start-semantic-building');
    // Polling picks up the finished index and the banner goes.
    percent = 100;
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    await t.context.close();
  });
});
