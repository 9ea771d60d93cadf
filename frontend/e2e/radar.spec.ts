// The public demand radar (/bedarfsradar): open needs of two organisations about the same
// problem are shown as one group with both organisations, as GET /api/v1/demand-radar says;
// axe-green, screenshots at desktop and phone width.

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

interface Radar {
  grouping: 'semantic' | 'words';
  groups: { title: string; organisation_count: number; need_count: number; organisations: { id: number; name: string }[] }[];
}

describe('demand radar', () => {
  it('shows two organisations with the same open need as one group, as the API does', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const stamp = Date.now().toString(36);
    const posted: { org: { id: number; name: string }; title: string }[] = [];
    // Nearly the same problem, worded twice: alike by meaning and by words.
    const description = 'Angehörige sollen Grabstellen auf unseren Friedhöfen online reservieren und Nutzungsrechte verlängern können.';
    for (const [place, title] of [
      ['Gemeinde Friedhofsruh', `Grabstellen online reservieren ${stamp}`],
      ['Stadt Lindenfeld', `Grabstellen online reservieren und verlängern ${stamp}`],
    ] as const) {
      const org = await ops.request<{ id: number; name: string }>('POST', '/organisations', { name: `${place} ${stamp}`, kind: 'kommune' });
      const member = await account({ orgId: org.id });
      await member.session.request('POST', '/needs', { organisation_id: org.id, title, description, visibility: 'public' });
      posted.push({ org, title });
    }
    const ids = posted.map((p) => p.org.id);

    // What the API groups: both organisations in one group.
    const radar = (await (await fetch(`${baseURL()}/api/v1/demand-radar`)).json()) as Radar;
    const group = radar.groups.find((g) => ids.every((id) => g.organisations.some((o) => o.id === id)));
    expect(group, 'one radar group holds both organisations').toBeDefined();

    const t = await open(browser);
    await t.page.goto('/');
    await t.page.getByRole('link', { name: 'Bedarfsradar' }).first().click();
    await t.page.waitForURL((u) => u.pathname === '/bedarfsradar');
    expect(await t.page.getByRole('heading', { level: 1 }).textContent()).toBe('Bedarfsradar');
    const card = t.page.getByTestId('radar').locator(':scope > li').filter({ hasText: posted[0]?.org.name ?? '' });
    await card.waitFor();
    expect(await card.count()).toBe(1);
    expect((await card.getByRole('heading', { level: 2 }).textContent())?.trim()).toBe(group?.title);
    expect(await card.getByTestId('radar-counts').textContent()).toBe(`${group?.organisation_count} Verwaltungen · ${group?.need_count} offene Bedarfe`);
    for (const p of posted) {
      expect(await card.getByRole('link', { name: p.org.name }).getAttribute('href')).toBe(`/organisationen/${p.org.id}`);
      expect(await card.getByRole('listitem').filter({ hasText: p.title }).textContent()).toMatch(/^\s*Bedarf:\s+/);
      expect(await card.getByRole('link', { name: p.title }).getAttribute('href')).toBe('/bedarfe');
    }
    const grouping = radar.grouping === 'semantic' ? 'Gruppiert nach inhaltlicher Ähnlichkeit.' : /^Gruppiert nach gemeinsamen Begriffen/;
    expect(await t.page.getByText(grouping).count()).toBe(1);
    await checkPage(t, 'demand-radar');
    await t.context.close();
  });
});
