// Operator pages: roles of accounts and the audit log; hidden from everybody else.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ApiSession, OPERATOR, account, checkPage, headerText, launch, open, openAccountMenu } from './harness';

/** A string matched literally inside a RegExp. */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('operations', () => {
  it('lets the operator change a role and then see it in the audit log', async () => {
    const person = await account();
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const t = await open(browser);
    await ops.into(t.context);
    await t.page.goto('/');
    await openAccountMenu(t.page);
    await t.page.locator('header').getByRole('link', { name: 'Rollen' }).click();
    await t.page.waitForURL((u) => u.pathname === '/betrieb/rollen');
    await t.page.getByTestId('account-list').waitFor();
    await checkPage(t, 'operations-roles');

    // Find the account by its address; it has no display name, so the address is its name, once.
    await t.page.getByRole('searchbox', { name: 'Konten durchsuchen' }).fill(person.email);
    await t.page.getByRole('button', { name: 'Suchen' }).click();
    await t.page.waitForURL((u) => u.searchParams.get('q') === person.email);
    // The unfiltered first page may still show (and hold this account) until the search
    // answers: wait for the filtered count, not just for the card.
    await t.page.getByTestId('account-count').getByText('1 Konto', { exact: true }).waitFor();
    const card = t.page.locator(`[data-account-id="${person.id}"]`);
    expect(await t.page.getByTestId('account').count()).toBe(1);
    expect(((await card.textContent()) ?? '').split(person.email).length - 1).toBe(2); // name + label of the select
    expect(await card.textContent()).toContain(`Konto-ID ${person.id}`);
    const select = card.getByLabel(`Rolle von ${person.email}`);
    expect(await select.inputValue()).toBe('seeker');
    await select.selectOption('provider');
    await card.getByRole('button', { name: 'Rolle speichern' }).click();
    await t.page.getByTestId('role-status').getByText('hat jetzt die Rolle „Anbieter“').waitFor();
    expect(await card.getByLabel(`Rolle von ${person.email}`).inputValue()).toBe('provider');
    const me = await person.session.request<{ role: string }>('GET', '/me');
    expect(me.role).toBe('provider');

    await openAccountMenu(t.page);
    await t.page.locator('header').getByRole('link', { name: 'Protokoll' }).click();
    await t.page.waitForURL((u) => u.pathname === '/betrieb/protokoll');
    await t.page.getByLabel('Ereignis').selectOption('user.role_changed');
    await t.page.getByRole('button', { name: 'Filter anwenden' }).click();
    await t.page.waitForURL((u) => u.searchParams.get('ereignis') === 'user.role_changed');
    const entry = t.page.getByTestId('audit-entry').first();
    await entry.waitFor();
    const text = (await entry.textContent()) ?? '';
    expect(text).toContain('Rolle geändert');
    // Accounts are named (display name or address, as the API says) with their ID, the same
    // one the roles page shows on each account and the filter takes.
    const opsId = (await ops.request<{ id: number }>('GET', '/me')).id;
    const logged = await ops.request<{ items: { actor_name?: string; target_name?: string }[] }>('GET', '/audit?action=user.role_changed&limit=1');
    expect(logged.items[0]).toMatchObject({ actor_name: OPERATOR.email, target_name: person.email });
    expect(text).toMatch(new RegExp(`Betrifft\\s*${literal(person.email)} \\(Konto-ID ${person.id}\\)`));
    expect(text).toMatch(new RegExp(`Ausgelöst von\\s*${literal(OPERATOR.email)} \\(Konto-ID ${opsId}\\)`));
    expect(text).toContain('vorher: Suchende Verwaltung · nachher: Anbieter');
    await checkPage(t, 'operations-audit');

    // The actor filter takes a Konto-ID; anything else is explained at the field.
    const actor = t.page.getByLabel('Ausgelöst von (Konto-ID)');
    await actor.fill('Betrieb');
    await t.page.getByRole('button', { name: 'Filter anwenden' }).click();
    await expect.poll(() => actor.getAttribute('aria-invalid')).toBe('true');
    expect((await t.page.locator('#audit-actor-error').textContent())?.trim()).toBe('Bitte geben Sie die Konto-ID als ganze Zahl an, zum Beispiel 42.');
    expect(await actor.getAttribute('aria-describedby')).toBe('audit-actor-hint audit-actor-error');
    expect(new URL(t.page.url()).searchParams.get('konto')).toBeNull();
    // The actor's link filters by that account.
    await entry.getByRole('link', { name: `${OPERATOR.email} (Konto-ID ${opsId})` }).click();
    await t.page.waitForURL((u) => u.searchParams.get('konto') === String(opsId));
    await expect.poll(() => t.page.getByLabel('Ausgelöst von (Konto-ID)').inputValue()).toBe(String(opsId));
    const actors = await t.page.getByTestId('audit-entry').evaluateAll((els) => els.map((el) => el.textContent ?? ''));
    expect(actors.length).toBeGreaterThan(0);
    for (const a of actors) expect(a).toContain(`(Konto-ID ${opsId})`);
    await checkPage(t, 'operations-audit-actor');
    await t.context.close();
  });

  it('pages through the accounts', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const total = (await ops.request<{ total: number }>('GET', '/users?limit=1')).total;
    // Enough accounts for two pages of 50.
    for (let i = total; i < 51; i++) await account();
    const t = await open(browser);
    await ops.into(t.context);
    await t.page.goto('/betrieb/rollen');
    await t.page.getByTestId('account-list').waitFor();
    expect(await t.page.getByTestId('account').count()).toBe(50);
    await t.page.getByRole('link', { name: 'Nächste Seite' }).click();
    await t.page.waitForURL((u) => u.searchParams.get('seite') === '2');
    await t.page.getByRole('link', { name: 'Vorherige Seite' }).waitFor();
    expect(await t.page.getByTestId('account').count()).toBeGreaterThanOrEqual(1);
    await t.context.close();
  });

  it('shows operator pages to nobody else', async () => {
    const seeker = await account();
    const t = await open(browser);
    await seeker.session.into(t.context);
    await t.page.goto('/');
    await t.page.getByTestId('account-menu').waitFor();
    const nav = await headerText(t.page);
    expect(nav).not.toContain('Rollen');
    expect(nav).not.toContain('Protokoll');
    for (const path of ['/betrieb/rollen', '/betrieb/protokoll']) {
      await t.page.goto(path);
      await t.page.getByTestId('no-permission').waitFor();
      expect(await t.page.getByTestId('no-permission').textContent()).toContain('keine Berechtigung');
    }
    await checkPage(t, 'operations-forbidden');
    await t.context.close();
  });
});
