// Register and log in through the forms, account page, tokens, logout; needs with live
// suggestions; the notifications inbox.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiSession, OPERATOR, PASSWORD, account, checkPage, expectAccessible, headerText, launch, open, openAccountMenu, PHONE, screenshotDir, uniqueEmail } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('accounts', () => {
  it('registers, logs in, sees the account, creates a token and logs out', async () => {
    const email = uniqueEmail('neu');
    const t = await open(browser);
    await t.page.goto('/registrieren');
    await checkPage(t, 'register');
    await t.page.getByLabel('E-Mail-Adresse').fill(email);
    // A weak password: a German error at the field, the input kept.
    await t.page.getByLabel('Passwort').fill('kurz');
    await t.page.getByRole('button', { name: 'Konto anlegen' }).click();
    const pw = t.page.getByLabel('Passwort');
    await expect.poll(() => pw.getAttribute('aria-invalid')).toBe('true');
    expect(await t.page.locator('#reg-password-error').textContent()).toContain('Mindestens 12 Zeichen');
    expect(await t.page.getByLabel('E-Mail-Adresse').inputValue()).toBe(email);
    await pw.fill(PASSWORD);
    await t.page.getByRole('button', { name: 'Konto anlegen' }).click();
    await t.page.waitForURL(/\/anmelden\?registriert=1/);
    expect(await t.page.getByLabel('E-Mail-Adresse').inputValue()).toBe(email);
    await t.page.getByLabel('Passwort').fill('Falsches-Passwort-99');
    await t.page.getByRole('button', { name: 'Anmelden' }).click();
    await t.page.locator('#login-password-error').waitFor();
    expect(await t.page.locator('#login-password-error').textContent()).toContain('E-Mail-Adresse oder Passwort ist falsch');
    await checkPage(t, 'login');
    await t.page.getByLabel('Passwort').fill(PASSWORD);
    await t.page.getByRole('button', { name: 'Anmelden' }).click();
    await t.page.waitForURL((u) => u.pathname === '/');
    // Signed-in navigation.
    await openAccountMenu(t.page);
    await t.page.getByRole('link', { name: 'Mein Konto' }).click();
    await t.page.getByTestId('account-email').waitFor();
    expect(await t.page.getByTestId('account-email').textContent()).toBe(email);
    expect(await headerText(t.page)).not.toContain('Registrieren');
    // A personal access token, shown once, then listed.
    await t.page.getByLabel('Name des Tokens').fill('Fachverfahren-Anbindung');
    await t.page.getByRole('button', { name: 'Token erstellen' }).click();
    await t.page.getByTestId('new-token').waitFor();
    expect(await t.page.getByTestId('new-token').textContent()).toMatch(/^mr_pat_/);
    await t.page.getByTestId('token-list').getByText('Fachverfahren-Anbindung').waitFor();
    await checkPage(t, 'account');
    await openAccountMenu(t.page);
    await t.page.getByRole('button', { name: 'Abmelden' }).click();
    await t.page.waitForURL(/\/anmelden\?abgemeldet=1/);
    // A protected page now asks for login and comes back afterwards.
    await t.page.goto('/konto');
    await t.page.waitForURL(/\/anmelden\?weiter=%2Fkonto/);
    await t.page.getByLabel('E-Mail-Adresse').fill(email);
    await t.page.getByLabel('Passwort').fill(PASSWORD);
    await t.page.getByRole('button', { name: 'Anmelden' }).click();
    await t.page.waitForURL((u) => u.pathname === '/konto');
    await t.context.close();
  });

  it('shows operators their extra navigation', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const t = await open(browser);
    await ops.into(t.context);
    await t.page.goto('/');
    await t.page.getByTestId('account-menu').waitFor();
    const nav = await headerText(t.page);
    expect(nav).toContain('Moderation');
    expect(nav).toContain('Meine Lösungen');
    await t.context.close();
  });

  it('keeps the header to two rows on desktop and folds the navigation behind "Menü" on phones', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const t = await open(browser);
    await ops.into(t.context);
    await t.page.goto('/');
    const toggle = t.page.getByTestId('account-menu');
    await toggle.waitFor();
    // Desktop: every main entry on one line, the menu button hidden.
    const tops = await t.page.locator('#main-nav li').evaluateAll((lis) => lis.map((li) => li.getBoundingClientRect().top));
    expect(tops.length).toBe(7);
    expect(new Set(tops).size, 'navigation bar wraps').toBe(1);
    expect(await t.page.getByRole('button', { name: 'Menü' }).isVisible()).toBe(false);
    // The person's menu by keyboard: open, Tab into it, Escape closes it and focus returns.
    expect(await t.page.locator('#account-menu-list').isVisible()).toBe(false);
    await toggle.focus();
    await t.page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await t.page.keyboard.press('Tab');
    expect(await t.page.evaluate(() => document.activeElement?.textContent)).toBe('Meine Lösungen');
    await t.page.keyboard.press('Escape');
    expect(await t.page.locator('#account-menu-list').isVisible()).toBe(false);
    expect(await toggle.evaluate((el) => el === document.activeElement)).toBe(true);
    await checkPage(t, 'header-desktop');

    // Phone: a short header (brand, person's menu, "Menü"); the menu opens the entries as a list.
    await t.page.setViewportSize(PHONE);
    const menu = t.page.getByRole('button', { name: 'Menü' });
    expect(await menu.isVisible()).toBe(true);
    expect(await t.page.locator('#main-nav').isVisible()).toBe(false);
    const header = await t.page.locator('header').boundingBox();
    // Kept to look at when the height check fails (it failed once in a full run, not since).
    await t.page.screenshot({ path: join(screenshotDir, 'header-phone-closed.png') });
    expect(header?.height ?? 999).toBeLessThan(90);
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await t.page.locator('#main-nav').getByRole('link', { name: 'Kanäle' }).click();
    await t.page.waitForURL((u) => u.pathname === '/kanaele');
    expect(await t.page.locator('#main-nav').isVisible()).toBe(false);
    await menu.click();
    await expectAccessible(t.page, 'header with the phone menu open');
    await t.page.screenshot({ path: join(screenshotDir, 'header-phone-menu-open.png') });
    await t.context.close();
  });
});

describe('account data and organisation invitations', () => {
  it('invites a person from the organisation page; they accept the code on their account page', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const org = await ops.request<{ id: number; name: string }>('POST', '/organisations', {
      name: `Amt Einladungsheim ${Date.now().toString(36)}`,
      kind: 'kommune',
    });
    const admin = await account({ orgId: org.id, orgRole: 'org_admin', name: 'Ida Admin' });
    const invitee = await account({ name: 'Nils Neu' });

    const a = await open(browser);
    await admin.session.into(a.context);
    await a.page.goto(`/organisationen/${org.id}`);
    await a.page.getByRole('heading', { name: 'Mitglied einladen' }).waitFor();
    await a.page.getByLabel('E-Mail-Adresse (optional)').fill(invitee.email);
    await a.page.getByRole('button', { name: 'Mitglied einladen' }).click();
    const code = a.page.getByTestId('invite-code');
    await code.waitFor();
    const token = ((await code.textContent()) ?? '').trim();
    expect(token.length).toBeGreaterThan(10);
    expect(await a.page.getByText('Einladung erstellt. Geben Sie diesen Code an die eingeladene Person weiter:').count()).toBe(1);
    await checkPage(a, 'organisation-invite');
    await a.context.close();

    const b = await open(browser);
    await invitee.session.into(b.context);
    await b.page.goto('/konto');
    await b.page.getByText('Sie gehören noch keiner Organisation an.', { exact: false }).waitFor();
    // A wrong code: a German error at the field, nothing joined.
    const field = b.page.getByLabel('Einladungscode');
    await field.fill('kein-gueltiger-code');
    await b.page.getByRole('button', { name: 'Einladung annehmen' }).click();
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    expect(await b.page.locator('#invite-token-error').textContent()).toContain('Dieser Einladungscode gilt nicht');
    expect(await field.inputValue()).toBe('kein-gueltiger-code');
    await field.fill(token);
    await b.page.getByRole('button', { name: 'Einladung annehmen' }).click();
    await b.page.getByRole('status').getByText('Sie sind der Organisation beigetreten.').waitFor();
    const membership = b.page.locator('section[aria-labelledby="a-orgs"] li').filter({ hasText: org.name });
    await membership.first().waitFor();
    expect(await membership.first().textContent()).toContain('Mitglied');
    expect(await membership.first().getByRole('link', { name: org.name }).getAttribute('href')).toBe(`/organisationen/${org.id}`);
    const me = await invitee.session.request<{ memberships: { organisation_id: number; role: string }[] }>('GET', '/me');
    expect(me.memberships).toEqual([{ organisation_id: org.id, role: 'member' }]);
    await checkPage(b, 'account-invitation-accepted');
    // A plain member may not invite others.
    await b.page.goto(`/organisationen/${org.id}`);
    await b.page.getByTestId('organisation').waitFor();
    expect(await b.page.getByRole('heading', { name: 'Mitglied einladen' }).count()).toBe(0);
    await b.context.close();
  });

  it('downloads the account data as JSON and deletes the account after confirming', async () => {
    const user = await account({ name: 'Dora Datenschutz' });
    await user.session.request('POST', '/me/tokens', { name: 'Export-Probe', scopes: ['read'] });
    const t = await open(browser);
    await user.session.into(t.context);
    await t.page.goto('/konto');
    await t.page.getByTestId('account-email').waitFor();

    const [download] = await Promise.all([
      t.page.waitForEvent('download'),
      t.page.getByRole('link', { name: 'Meine Daten herunterladen' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^matchraum-.*\.json$/);
    const path = await download.path();
    const data = JSON.parse(readFileSync(path, 'utf8')) as { account: { email: string; display_name: string }; tokens: { name: string }[] };
    expect(data.account.email).toBe(user.email);
    expect(data.account.display_name).toBe('Dora Datenschutz');
    expect(data.tokens.map((tk) => tk.name)).toEqual(['Export-Probe']);

    // Deleting needs the confirmation first (by keyboard here).
    const submit = t.page.getByRole('button', { name: 'Konto endgültig löschen' });
    expect(await submit.isDisabled()).toBe(true);
    await t.page.getByLabel('Ich möchte mein Konto endgültig löschen').focus();
    await t.page.keyboard.press('Space');
    expect(await submit.isEnabled()).toBe(true);
    await submit.click();
    await t.page.waitForURL((u) => u.pathname === '/anmelden' && u.searchParams.has('geloescht'));
    await t.page.getByTestId('account-deleted').getByText('Ihr Konto wurde gelöscht.').waitFor();
    expect(await headerText(t.page)).toContain('Anmelden');
    await checkPage(t, 'account-deleted');
    // The old session is gone, and the address and password no longer sign in.
    await expect(user.session.request('GET', '/me')).rejects.toThrow(/: 401 /);
    await expect(ApiSession.login(user.email, user.password)).rejects.toThrow(/: 401 /);
    await t.context.close();
  });
});

describe('needs', () => {
  it('posts a need while existing solutions are suggested live; the provider is notified', async () => {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    const org = await ops.request<{ id: number; name: string }>('POST', '/organisations', {
      name: `Gemeinde Testhausen ${Date.now()}`,
      kind: 'kommune',
      land: 'Schleswig-Holstein',
    });
    // A provider whose solution fits the need; one of its people reads the inbox later.
    const provider = await ops.request<{ id: number; name: string }>('POST', '/organisations', {
      name: `Kommunal-IT Nord ${Date.now()}`,
      kind: 'it_dienstleister',
      land: 'Schleswig-Holstein',
    });
    const offered = await ops.request<{ id: number; title: string }>('POST', '/solutions', {
      title: `Hundesteuer online anmelden ${Date.now()}`,
      summary: 'Bürgerinnen und Bürger melden ihren Hund online zur Hundesteuer an, mit Übergabe an das Steueramt.',
      kind: 'online_service',
      maturity: 'in_production',
      provider_id: provider.id,
    });
    const providerPerson = await account({ orgId: provider.id });
    const user = await account({ orgId: org.id });
    const t = await open(browser);
    await user.session.into(t.context);
    // Count match requests: typing must not send one per key stroke.
    let matches = 0;
    t.page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/match')) matches += 1;
    });
    await t.page.goto('/bedarfe');
    await t.page.getByTestId('need-form').waitFor();
    const title = `Digitale Hundesteuer-Anmeldung ${Date.now()}`;
    await t.page.getByLabel('Titel').fill(title);
    await t.page.getByLabel('Beschreibung').pressSequentially(
      'Bürgerinnen und Bürger sollen ihren Hund online zur Hundesteuer anmelden können.',
      { delay: 15 },
    );
    const suggestions = t.page.getByTestId('need-suggestions').locator('li a');
    await suggestions.first().waitFor();
    expect(await suggestions.count()).toBeGreaterThan(0);
    expect(matches).toBeLessThan(8);
    await checkPage(t, 'needs');
    await t.page.getByRole('button', { name: 'Bedarf veröffentlichen' }).click();
    await t.page.getByText(/Ihr Bedarf wurde veröffentlicht/).waitFor();
    await t.page.getByTestId('need-list').getByRole('heading', { name: title }).waitFor();
    await t.context.close();

    // The provider's inbox names the need's match with its solution.
    const p = await open(browser);
    await providerPerson.session.into(p.context);
    await p.page.goto('/benachrichtigungen');
    // (Its never verified solution may also bring a stale-entry notice: look for the match.)
    const entry = p.page
      .getByTestId('inbox')
      .locator('li', { hasText: provider.name })
      .filter({ hasText: 'Ihre Organisation stellt eine passende Lösung bereit.' });
    await entry.first().waitFor();
    expect(await entry.first().textContent()).toContain('Ihre Organisation stellt eine passende Lösung bereit.');
    expect(await entry.first().getByRole('link', { name: 'Passende Lösung ansehen' }).getAttribute('href')).toBe(`/loesungen/${offered.id}`);
    await checkPage(p, 'inbox-need');
    await p.context.close();
  });

  it('shows the notifications inbox', async () => {
    const user = await account();
    const t = await open(browser);
    await user.session.into(t.context);
    await t.page.goto('/benachrichtigungen');
    await t.page.getByText('Keine Benachrichtigungen.').waitFor();
    await checkPage(t, 'inbox');
    await t.context.close();
  });
});
