// The channel UI in a real browser against the real server: two contexts chat live, one
// goes offline and comes back to exactly the missed messages, moderation reaches the other
// side, Q&A answers are accepted, a direct channel opens from a match result by keyboard
// alone; axe and screenshots on the channel pages.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { ApiSession, account, checkPage, launch, open, openAccountMenu, type TestPage } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

interface Channel {
  id: number;
  name: string;
}

async function publicChannel(owner: ApiSession, kind: 'community' | 'qa', extra: object = {}): Promise<Channel> {
  return owner.request<Channel>('POST', '/channels', {
    kind,
    visibility: 'public',
    name: `E2E ${kind} ${Date.now().toString(36)}`,
    description: 'Austausch zur Nachnutzung',
    ...extra,
  });
}

/** A public community channel of a new account, joined by a second one; both are named. */
async function ownerAndGuest() {
  const owner = await account({ name: 'Anna Amsel' });
  const guest = await account({ name: 'Ben Buche' });
  const ch = await publicChannel(owner.session, 'community');
  await guest.session.request('POST', `/channels/${ch.id}/join`);
  return { owner, guest, ch };
}

/** A signed-in browser tab showing the conversation, connected (the composer is there). */
async function conversation(session: ApiSession, channelId: number): Promise<TestPage> {
  const t = await open(browser);
  await session.into(t.context);
  await t.page.goto(`/kanaele/${channelId}`);
  await t.page.getByTestId('composer').waitFor();
  await waitConnected(t.page);
  return t;
}

async function waitConnected(page: Page): Promise<void> {
  await page.locator('[data-connection="open"]').waitFor({ state: 'attached' });
}

const messages = (page: Page) => page.getByTestId('messages').getByTestId('message');

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel(/^Ihre (Nachricht|Frage|Antwort)$/).fill(text);
  await page.getByRole('button', { name: 'Senden' }).click();
}

/** The texts of the messages shown, in order. */
async function texts(page: Page): Promise<string[]> {
  return (await messages(page).locator('.ch-message-body').allTextContents()).map((s) => s.trim());
}

async function tabTo(page: Page, target: Locator, max = 250): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`never reached ${target.toString()} by Tab`);
}

describe('channels', () => {
  it('two people chat live, one goes offline and gets exactly the missed messages once, a moderator hides a message', async () => {
    const { owner, guest, ch } = await ownerAndGuest();

    const a = await conversation(owner.session, ch.id);
    const b = await conversation(guest.session, ch.id);
    // Presence, by name: the owner sees the guest arrive, the guest finds the owner there.
    await a.page.getByTestId('presence').getByText('Ben Buche').waitFor();
    await b.page.getByTestId('presence').getByText('Anna Amsel').waitFor();

    // Typing and a live message, announced to screen readers.
    await a.page.getByLabel('Ihre Nachricht').pressSequentially('Hallo', { delay: 20 });
    await b.page.getByTestId('typing').getByText('Anna Amsel schreibt').waitFor();
    await a.page.getByLabel('Ihre Nachricht').fill('Hallo zusammen, wer nutzt schon **OZG-Dienste**?');
    const sentAt = Date.now();
    await a.page.getByRole('button', { name: 'Senden' }).click();
    await messages(b.page).filter({ hasText: 'Hallo zusammen' }).waitFor();
    // From the click in one browser to the message shown in the other (printed for the notes).
    const deliveryMs = Date.now() - sentAt;
    console.log(`live delivery between two browser contexts: ${deliveryMs} ms`);
    expect(deliveryMs).toBeLessThan(5000);
    expect(await messages(b.page).first().locator('strong').textContent()).toBe('OZG-Dienste');
    expect(await b.page.getByTestId('announcer').textContent()).toContain('Neue Nachricht von Anna Amsel');
    // The author is named, never "Person <id>".
    await messages(b.page).first().locator('.ch-message__author').getByText('Anna Amsel', { exact: true }).waitFor();
    expect(await b.page.getByTestId('messages').textContent()).not.toContain(`Person ${owner.id}`);

    // A reply in the thread, seen live by the other side.
    await messages(b.page).first().getByRole('button', { name: 'Antworten' }).click();
    await send(b.page, 'Wir, seit 2024 im Betrieb.');
    const reply = a.page.locator('.ch-replies').getByTestId('message').filter({ hasText: 'seit 2024' });
    await reply.waitFor();

    // A reaction and an edit, both live.
    await messages(b.page).first().getByRole('button', { name: '👍 – Reaktion hinzufügen' }).click();
    await messages(b.page).first().getByRole('button', { name: '👍 1 – Ihre Reaktion zurücknehmen' }).waitFor();
    await messages(a.page).first().getByRole('button', { name: '👍 1 – ebenfalls reagieren' }).waitFor();
    await messages(a.page).first().getByRole('button', { name: 'Bearbeiten' }).click();
    await a.page.getByLabel('Nachricht bearbeiten').fill('Hallo zusammen, wer nutzt schon OZG-Dienste mit FIT-Connect?');
    await a.page.getByRole('button', { name: 'Änderung speichern' }).click();
    await messages(b.page).filter({ hasText: 'mit FIT-Connect' }).waitFor();
    await messages(b.page).first().getByText('(bearbeitet)').waitFor();

    await checkPage(b, 'channel-conversation');

    // Offline: the banner shows, messages sent meanwhile arrive once after the resume.
    await b.context.setOffline(true);
    await b.page.getByTestId('offline-banner').getByText('Verbindung unterbrochen – wird wiederhergestellt …').waitFor();
    const missed = ['Verpasst eins', 'Verpasst zwei', 'Verpasst drei'];
    for (const m of missed) {
      await send(a.page, m);
      await messages(a.page).filter({ hasText: m }).waitFor();
    }
    // Written while offline: kept as pending, sent once the connection is back.
    await send(b.page, 'Offline geschrieben');
    await b.page.getByTestId('pending').getByText('wartet auf Verbindung …').waitFor();
    const backAt = Date.now();
    await b.context.setOffline(false);
    await b.page.getByTestId('offline-banner').waitFor({ state: 'detached' });
    await messages(b.page).filter({ hasText: 'Verpasst drei' }).waitFor();
    console.log(`back online to the missed messages shown: ${Date.now() - backAt} ms`);
    await messages(a.page).filter({ hasText: 'Offline geschrieben' }).waitFor();
    await b.page.getByTestId('pending').waitFor({ state: 'detached' });
    const seen = await texts(b.page);
    for (const m of [...missed, 'Offline geschrieben']) expect(seen.filter((s) => s === m), m).toHaveLength(1);
    expect(seen.slice(-4)).toEqual([...missed, 'Offline geschrieben']);
    expect(await texts(a.page)).toEqual(seen);

    // The owner moderates: hides the guest's reply; the guest sees it go.
    await reply.locator('summary', { hasText: 'Moderation' }).click();
    await reply.getByRole('button', { name: 'Ausblenden' }).click();
    const hidden = b.page.locator('[data-testid="message"][data-state="hidden"]');
    await hidden.waitFor();
    expect(await hidden.textContent()).toContain('Diese Nachricht wurde von der Moderation ausgeblendet.');
    expect(await b.page.getByTestId('messages').textContent()).not.toContain('seit 2024');

    // Unread counts in the list: the guest leaves, the owner writes, the list shows it.
    await b.page.getByRole('link', { name: '← Alle Kanäle' }).click();
    await b.page.getByTestId('my-channels').waitFor();
    await send(a.page, 'Neu nach dem Verlassen');
    await messages(a.page).filter({ hasText: 'Neu nach dem Verlassen' }).waitFor();
    await b.page.reload();
    const row = b.page.locator(`[data-testid="channel"][data-channel-id="${ch.id}"]`);
    await row.getByTestId('unread').getByText('1 ungelesene Nachricht').waitFor();
    await checkPage(b, 'channel-list');
    expect(a.problems).toEqual([]);
    await a.context.close();
    await b.context.close();
  });

  it('keeps the text when a send is refused, and closes the conversation when banned, both explained in German', async () => {
    const { owner, guest, ch } = await ownerAndGuest();
    const b = await conversation(guest.session, ch.id);
    // Muted meanwhile: the server refuses the next message.
    await owner.session.request('POST', `/channels/${ch.id}/members/${guest.id}/sanction`, { mute_minutes: 30 });
    await send(b.page, 'Das darf ich nicht mehr senden');
    await b.page.locator('#composer-error').getByText('stummgeschaltet').waitFor();
    expect(await b.page.getByLabel('Ihre Nachricht').inputValue()).toBe('Das darf ich nicht mehr senden');
    expect(await b.page.getByLabel('Ihre Nachricht').getAttribute('aria-invalid')).toBe('true');
    // Banned: the subscription is revoked live; the page says so and offers no composer.
    await owner.session.request('POST', `/channels/${ch.id}/members/${guest.id}/sanction`, { ban: true });
    await b.page.locator('[data-testid="live-error"][data-code="removed"]').getByText('Sie wurden aus diesem Kanal entfernt.').waitFor();
    await b.page.getByTestId('composer').waitFor({ state: 'detached' });
    expect(await b.page.locator('[data-connection="open"]').count()).toBe(1);
    await b.context.close();
  });

  it('lets a community manager pin, lock, mute and ban through the moderation buttons, each seen by the member', async () => {
    const { guest, ch } = await ownerAndGuest();
    const manager = await account({ role: 'community_manager', name: 'Mona Moderation' });
    await manager.session.request('POST', `/channels/${ch.id}/join`);
    await guest.session.request('POST', `/channels/${ch.id}/messages`, { body: 'Kennt jemand eine gute Lösung für die Hundesteuer?' });
    const m = await conversation(manager.session, ch.id);
    const b = await conversation(guest.session, ch.id);
    const onManager = messages(m.page).filter({ hasText: 'Hundesteuer' });
    const onGuest = messages(b.page).filter({ hasText: 'Hundesteuer' });
    await onGuest.getByRole('button', { name: 'Antworten' }).waitFor();
    // The member has no moderation tools.
    expect(await onGuest.locator('summary', { hasText: 'Moderation' }).count()).toBe(0);
    expect(await b.page.getByRole('button', { name: 'Kanal sperren', exact: true }).count()).toBe(0);

    // Pin: the badge on both sides, live; the button turns into "Nicht mehr anheften".
    await onManager.locator('summary', { hasText: 'Moderation' }).click();
    await onManager.getByRole('button', { name: 'Anheften' }).click();
    await onGuest.getByText('Angeheftet', { exact: true }).waitFor();
    await onManager.getByRole('button', { name: 'Nicht mehr anheften' }).waitFor();
    await checkPage(m, 'channel-moderation');

    // Lock the thread: the member can no longer reply to it.
    await onManager.getByRole('button', { name: 'Thema sperren' }).click();
    await onGuest.getByText('Thema gesperrt', { exact: true }).waitFor();
    await onGuest.getByRole('button', { name: 'Antworten' }).waitFor({ state: 'detached' });
    await onManager.getByRole('button', { name: 'Thema entsperren' }).waitFor();

    // Lock the channel: after a reload the member reads why there is no composer; unlocked, it is back.
    await m.page.getByRole('button', { name: 'Kanal sperren', exact: true }).click();
    await m.page.locator('.ch-meta').getByText('Gesperrt', { exact: true }).waitFor();
    await b.page.reload();
    await b.page.getByText('Dieser Kanal ist gesperrt. Nur die Moderation kann schreiben.').waitFor();
    expect(await b.page.getByTestId('composer').count()).toBe(0);
    await m.page.getByRole('button', { name: 'Kanal entsperren', exact: true }).click();
    await m.page.getByRole('button', { name: 'Kanal sperren', exact: true }).waitFor();
    await b.page.reload();
    await b.page.getByTestId('composer').waitFor();
    await waitConnected(b.page);

    // Mute for an hour: the member's next message is refused, the text kept.
    const moderation = onManager.locator('details.ch-mod');
    if ((await moderation.getAttribute('open')) === null) await onManager.locator('summary', { hasText: 'Moderation' }).click();
    await onManager.getByRole('button', { name: 'Stummschalten (1 Stunde)' }).click();
    await onManager.getByRole('status').getByText('Die Person ist für eine Stunde stummgeschaltet.').waitFor();
    await send(b.page, 'Darf ich noch schreiben?');
    await b.page.locator('#composer-error').getByText('stummgeschaltet').waitFor();
    expect(await b.page.getByLabel('Ihre Nachricht').inputValue()).toBe('Darf ich noch schreiben?');

    // Ban: the member's open conversation closes live.
    await onManager.getByRole('button', { name: 'Aus dem Kanal sperren' }).click();
    await onManager.getByRole('status').getByText('Die Person wurde aus dem Kanal gesperrt.').waitFor();
    await b.page.locator('[data-testid="live-error"][data-code="removed"]').getByText('Sie wurden aus diesem Kanal entfernt.').waitFor();
    await b.page.getByTestId('composer').waitFor({ state: 'detached' });
    await expect(guest.session.request('POST', `/channels/${ch.id}/messages`, { body: 'Noch da?' })).rejects.toThrow(/: 40[34] /);
    expect(m.problems).toEqual([]);
    await m.context.close();
    await b.context.close();
  });

  it('shows the history with its actions before the socket greets, and holds a message until it can send', async () => {
    const { owner, guest, ch } = await ownerAndGuest();
    await owner.session.request('POST', `/channels/${ch.id}/messages`, { body: 'Vom Eigentümer' });
    await guest.session.request('POST', `/channels/${ch.id}/messages`, { body: 'Vom Gast' });
    const t = await open(browser);
    await guest.session.into(t.context);
    // The socket opens but the server never answers (no hello): only REST works.
    await t.page.routeWebSocket(/\/api\/v1\/ws$/, () => {});
    await t.page.goto(`/kanaele/${ch.id}`);
    const mine = messages(t.page).filter({ hasText: 'Vom Gast' });
    const theirs = messages(t.page).filter({ hasText: 'Vom Eigentümer' });
    await mine.getByText('Sie', { exact: true }).waitFor();
    await mine.getByRole('button', { name: 'Bearbeiten' }).waitFor();
    await theirs.getByRole('button', { name: 'Melden' }).waitFor();
    expect(await theirs.getByRole('button', { name: 'Bearbeiten' }).count()).toBe(0);
    await send(t.page, 'Noch nicht verbunden');
    await t.page.getByTestId('pending').getByText('wartet auf Verbindung …').waitFor();
    await t.context.close();
  });

  it('loads older messages over REST on demand, in order and without duplicates', async () => {
    const { owner, guest, ch } = await ownerAndGuest();
    for (let i = 1; i <= 55; i++) await owner.session.request('POST', `/channels/${ch.id}/messages`, { body: `Beitrag ${i}` });
    const t = await conversation(guest.session, ch.id);
    await messages(t.page).filter({ hasText: 'Beitrag 55' }).waitFor();
    expect(await messages(t.page).count()).toBe(50);
    await t.page.getByRole('button', { name: 'Ältere Nachrichten laden' }).click();
    await expect.poll(() => messages(t.page).count()).toBe(55);
    expect(await texts(t.page)).toEqual(Array.from({ length: 55 }, (_, i) => `Beitrag ${i + 1}`));
    expect(await t.page.getByRole('button', { name: 'Ältere Nachrichten laden' }).count()).toBe(0);
    await t.context.close();
  });

  it('lets the asker accept an answer in a Q&A channel', async () => {
    const provider = await account();
    const asker = await account();
    const solutions = await provider.session.request<{ items: { id: number }[] }>('GET', '/solutions?limit=1');
    const solutionId = solutions.items[0]?.id;
    expect(solutionId).toBeTypeOf('number');
    const ch = await publicChannel(provider.session, 'qa', { solution_id: solutionId });
    await asker.session.request('POST', `/channels/${ch.id}/join`);
    const q = await conversation(asker.session, ch.id);
    const p = await conversation(provider.session, ch.id);
    await q.page.getByLabel('Ihre Frage in einem Satz').fill('Gibt es eine Schnittstelle zum Meldewesen?');
    await send(q.page, 'Wir brauchen XMeld.');
    const question = p.page.getByTestId('message').filter({ hasText: 'Gibt es eine Schnittstelle' });
    await question.waitFor();
    await question.getByRole('button', { name: 'Antworten' }).click();
    await send(p.page, 'Ja, XMeld 3.x wird unterstützt.');
    const answer = q.page.locator('.ch-replies [data-testid="message"]').filter({ hasText: 'XMeld 3.x' });
    await answer.getByRole('button', { name: 'Antwort akzeptieren' }).click();
    await p.page.getByTestId('accepted').getByText('Akzeptierte Antwort').waitFor();
    await p.page.getByTestId('message').first().getByText('Beantwortet').waitFor();
    await checkPage(q, 'channel-qa');
    await q.context.close();
    await p.context.close();
  });

  it('opens a direct channel from a match result by keyboard alone; the provider answers live', async () => {
    const text = 'Wir suchen eine Online-Lösung für die Wohnsitzanmeldung mit Anbindung an unser Meldewesen.';
    const anon = new ApiSession();
    const match = await anon.request<{ solutions: { id: number; provider?: { id: number } | null }[] }>('POST', '/match', { text, limit: 10 });
    const first = match.solutions[0];
    const providerOrg = first?.provider?.id;
    expect(providerOrg, 'the first result has a provider').toBeTypeOf('number');
    const provider = await account({ orgId: providerOrg as number, role: 'provider' });
    const seeker = await account();

    const s = await open(browser);
    await seeker.session.into(s.context);
    await s.page.goto('/');
    const field = s.page.getByLabel('Beschreiben Sie Ihr Problem');
    await tabTo(s.page, field);
    await s.page.keyboard.type(text);
    await tabTo(s.page, s.page.getByRole('button', { name: 'Passende Lösungen finden' }));
    await s.page.keyboard.press('Enter');
    const ask = s.page.locator(`[data-testid="solution-card"][data-solution-id="${first?.id}"] [data-testid="ask-provider"]`);
    await ask.waitFor();
    await tabTo(s.page, ask);
    await s.page.keyboard.press('Enter');
    await s.page.waitForURL(/\/kanaele\/\d+$/);
    const channelId = Number(new URL(s.page.url()).pathname.split('/').pop());
    await s.page.getByText('Direktnachricht').waitFor();
    const box = s.page.getByLabel('Ihre Nachricht');
    await tabTo(s.page, box);
    await s.page.keyboard.type('Guten Tag, können wir Ihre Lösung nachnutzen?');
    await s.page.keyboard.press('Control+Enter');
    await messages(s.page).filter({ hasText: 'nachnutzen' }).waitFor();

    const p = await conversation(provider.session, channelId);
    await messages(p.page).filter({ hasText: 'nachnutzen' }).waitFor();
    await send(p.page, 'Gern, wir schicken Ihnen das Transferkonzept.');
    await messages(s.page).filter({ hasText: 'Transferkonzept' }).waitFor();
    await checkPage(s, 'channel-direct');
    await s.context.close();
    await p.context.close();
  });

  it('shows community managers the report queue and resolves a report', async () => {
    const owner = await account();
    const reporter = await account();
    const manager = await account({ role: 'community_manager' });
    const ch = await publicChannel(owner.session, 'community');
    await reporter.session.request('POST', `/channels/${ch.id}/join`);
    const posted = await owner.session.request<{ message: { id: number } }>('POST', `/channels/${ch.id}/messages`, {
      body: 'Werbung für ein kommerzielles Produkt',
    });
    const r = await conversation(reporter.session, ch.id);
    const msg = messages(r.page).filter({ hasText: 'Werbung' });
    await msg.getByRole('button', { name: 'Melden' }).click();
    await r.page.getByLabel('Warum melden Sie diese Nachricht?').fill('Werbung, kein Austausch');
    await r.page.getByRole('button', { name: 'Meldung absenden' }).click();
    await r.page.getByText('Danke, die Moderation prüft Ihre Meldung.').waitFor();

    const m = await open(browser);
    await manager.session.into(m.context);
    await m.page.goto('/');
    await openAccountMenu(m.page);
    await m.page.locator('header').getByRole('link', { name: 'Moderation' }).click();
    const report = m.page.getByTestId('report').filter({ hasText: 'Werbung, kein Austausch' });
    await report.waitFor();
    await checkPage(m, 'channel-reports');
    await report.getByRole('button', { name: 'Nachricht ausblenden' }).click();
    await m.page.getByText('Meldung bearbeitet.').waitFor();
    // The reporter's open conversation loses the message live.
    await r.page.locator(`[data-message-id="${posted.message.id}"][data-state="hidden"]`).waitFor();
    await r.context.close();
    await m.context.close();
  });
  it('invites a person found by name; they see it live in their inbox, accept and open the channel', async () => {
    const owner = await account({ name: 'Olga Owner' });
    const name = `Berta Einladung ${Date.now().toString(36)}`;
    const invitee = await account({ name });
    const ch = await owner.session.request<Channel>('POST', '/channels', {
      kind: 'community',
      visibility: 'members',
      name: `E2E Einladung ${Date.now().toString(36)}`,
    });
    // The invitee waits on the inbox page, connected.
    const b = await open(browser);
    await invitee.session.into(b.context);
    await b.page.goto('/benachrichtigungen');
    await b.page.getByTestId('invitations').getByText('Keine offenen Einladungen.').waitFor();

    const a = await conversation(owner.session, ch.id);
    await a.page.getByText('Personen einladen').click();
    const field = a.page.getByLabel('Name oder vollständige E-Mail-Adresse');
    await field.fill('B');
    await a.page.getByRole('button', { name: 'Suchen' }).click();
    await a.page.locator('#invite-q-error').getByText('mindestens 2 Zeichen').waitFor();
    expect(await field.inputValue()).toBe('B');
    await field.fill(name.split(' ').slice(1).join(' '));
    await a.page.getByRole('button', { name: 'Suchen' }).click();
    const results = a.page.getByRole('list', { name: 'Gefundene Personen' });
    expect(await results.textContent()).not.toContain('@');
    await results.getByRole('button', { name: `${name} einladen` }).click();
    await a.page.getByTestId('invite-notice').getByText(`Einladung an ${name} gesendet.`).waitFor();
    await checkPage(a, 'channel-invite');

    // Live on the invitee's inbox, without a reload.
    const inv = b.page.getByTestId('invitation').filter({ hasText: ch.name });
    await inv.waitFor();
    await b.page.getByText('Sie haben eine neue Einladung erhalten.').waitFor();
    expect(await inv.getByTestId('invited-by').textContent()).toBe('Eingeladen von Olga Owner');
    await checkPage(b, 'inbox-invitations');
    await inv.getByRole('button', { name: 'Annehmen' }).click();
    await b.page.getByTestId('invitations-notice').getByText(`Sie sind jetzt Mitglied in „${ch.name}“.`).waitFor();
    await inv.waitFor({ state: 'detached' });
    // The channel is now among the invitee's channels, and opens.
    await b.page.goto('/kanaele');
    await b.page.getByTestId('my-channels').getByRole('link', { name: ch.name }).click();
    await b.page.getByTestId('composer').waitFor();
    await a.page.getByTestId('presence').getByText(name).waitFor();
    expect(a.problems).toEqual([]);
    await a.context.close();
    await b.context.close();
  });
});
