// Shared helpers of the browser tests (also for the channel specs): Debian's chromium via
// playwright-core, accounts made through the real API, axe-core checks and screenshots.

import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { OPERATOR, repoRoot } from './server';

export { OPERATOR };

export const baseURL = (): string => inject('baseURL');

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };
/** What a 1280 px window shows at 200 % zoom. */
export const ZOOM_200 = { width: 640, height: 450 };
export const screenshotDir = join(repoRoot, 'target/screenshots');

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--lang=de-DE',
    ],
    // German date widgets (tt.mm.jjjj, not mm/dd/yyyy), as German users see them. On Linux
    // chromium ignores --lang and takes its locale from the environment; it needs the
    // chromium-l10n package (scripts/ensure_chromium.sh) for anything but en-US.
    env: { ...process.env, LANGUAGE: 'de', LANG: 'de_DE.UTF-8' },
  });
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and CSP violations seen so far (tests assert it stays empty). */
  problems: string[];
}

/** A fresh context (own cookies) with German locale; records console errors. */
export async function open(
  browser: Browser,
  opts: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<TestPage> {
  const context = await browser.newContext({
    baseURL: baseURL(),
    locale: 'de-DE',
    timezoneId: 'Europe/Berlin',
    viewport: opts.viewport ?? DESKTOP,
    colorScheme: opts.colorScheme ?? 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    // A rejected request answered by the API (e.g. 401 for the anonymous /me) is logged
    // by the browser as a resource error; it is expected, the UI handles it.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return { context, page, problems };
}

// ---- accounts through the real API ---------------------------------------------------------

/** A cookie session against the API from node (register, login, CSRF on writes). */
export class ApiSession {
  cookies = new Map<string, string>();

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const csrf = this.cookies.get('matchraum_csrf');
    if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${baseURL()}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = (pair ?? '').split('=');
      if (k) this.cookies.set(k.trim(), v.join('='));
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  static async login(email: string, password: string): Promise<ApiSession> {
    const s = new ApiSession();
    await s.request('POST', '/auth/login', { email, password });
    return s;
  }

  /** Puts this session's cookies into a browser context, signed in there too. */
  async into(context: BrowserContext): Promise<void> {
    await context.addCookies(
      [...this.cookies].map(([name, value]) => ({ name, value, url: baseURL() })),
    );
  }
}

let counter = 0;
export function uniqueEmail(prefix = 'person'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@e2e.matchraum.test`;
}
export const PASSWORD = 'Sicheres-Passwort-2026';

/** A registered account, signed in through the API; optionally named and a member of `orgId`. */
export async function account(opts: { orgId?: number; orgRole?: 'member' | 'org_admin'; role?: string; name?: string } = {}) {
  const email = uniqueEmail();
  await new ApiSession().request('POST', '/auth/register', { email, password: PASSWORD, display_name: opts.name });
  const session = await ApiSession.login(email, PASSWORD);
  const me = await session.request<{ id: number }>('GET', '/me');
  if (opts.orgId !== undefined || opts.role) {
    const ops = await ApiSession.login(OPERATOR.email, OPERATOR.password);
    if (opts.role) await ops.request('PUT', `/users/${me.id}/role`, { role: opts.role });
    if (opts.orgId !== undefined) {
      const inv = await ops.request<{ token: string }>('POST', `/organisations/${opts.orgId}/invitations`, {
        role: opts.orgRole ?? 'member',
      });
      await session.request('POST', '/invitations/accept', { token: inv.token });
    }
  }
  return { email, password: PASSWORD, id: me.id, session };
}

// ---- accessibility and screenshots ----------------------------------------------------------

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA) and fails on serious or critical violations. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  // evaluate() runs through the DevTools protocol, so the page's strict CSP stays on.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target })) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, `axe on ${label}: ${JSON.stringify(bad, null, 2)}`).toEqual([]);
}

/** Content reflows instead of needing horizontal scrolling (WCAG 1.4.10). */
async function expectNoHorizontalScroll(page: Page, label: string): Promise<void> {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: document.documentElement.clientWidth,
  }));
  expect(scroll, `${label}: page is ${scroll} px wide in a ${width} px window`).toBeLessThanOrEqual(width);
}

/** The app header's brand and buttons never overlap (they did on phones with a badge). */
async function expectHeaderUnclipped(page: Page, label: string): Promise<void> {
  // Standalone documents (the printable reuse-check export) have no app header.
  if ((await page.locator('.app-header').count()) === 0) return;
  const box = (selector: string) => page.locator(selector).evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
  const brand = await box('.app-brand__name');
  const tools = await box('.app-header__tools');
  const apart = brand.right <= tools.left || tools.top >= brand.bottom;
  expect(apart, `${label}: brand ${JSON.stringify(brand)} overlaps header tools ${JSON.stringify(tools)}`).toBe(true);
}

/**
 * Full-page screenshots at desktop and 390 px phone width (target/screenshots/<name>-*.png),
 * checking at each width and at 200 % zoom that nothing needs horizontal scrolling.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  for (const [suffix, size] of [
    ['desktop', DESKTOP],
    ['zoom200', ZOOM_200],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(50);
    await expectNoHorizontalScroll(page, `${name} at ${size.width} px`);
    await expectHeaderUnclipped(page, `${name} at ${size.width} px`);
    if (suffix !== 'zoom200') await page.screenshot({ path: join(screenshotDir, `${name}-${suffix}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

/**
 * Names of buttons and links read cleanly: no space before a colon, which a visually hidden
 * `<span>: …</span>` after a block-level label puts into the accessible name ("Annehmen : X").
 */
async function expectCleanNames(page: Page, label: string): Promise<void> {
  const snapshot = await page.locator('body').ariaSnapshot();
  const spaced = snapshot.split('\n').filter((line) => /\b(button|link) "[^"]*\s:/.test(line));
  expect(spaced, `${label}: accessible names with a space before a colon`).toEqual([]);
}

/** The checks every page gets: axe green, clean control names, no console errors, screenshots. */
export async function checkPage(t: TestPage, name: string): Promise<void> {
  await expectAccessible(t.page, name);
  await expectCleanNames(t.page, name);
  expect(t.problems, `console errors on ${name}`).toEqual([]);
  await screenshots(t.page, name);
}

/**
 * The text a date or month input shows while empty (its placeholder, e.g. `tt.mm.jjjj`),
 * read from the browser's own shadow tree through the DevTools protocol.
 */
export async function emptyDateText(page: Page, selector: string): Promise<string> {
  interface CdpNode {
    nodeType: number;
    nodeValue?: string;
    children?: CdpNode[];
    shadowRoots?: CdpNode[];
  }
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = (await cdp.send('DOM.getDocument', { depth: 0 })) as { root: { nodeId: number } };
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const { node } = (await cdp.send('DOM.describeNode', { nodeId, depth: -1, pierce: true })) as { node: CdpNode };
    const texts: string[] = [];
    const walk = (n: CdpNode) => {
      if (n.nodeType === 3 && n.nodeValue) texts.push(n.nodeValue);
      for (const c of [...(n.shadowRoots ?? []), ...(n.children ?? [])]) walk(c);
    };
    walk(node);
    return texts.join('').trim();
  } finally {
    await cdp.detach();
  }
}

/** Opens the signed-in person's menu in the header (account, work areas, logout). */
export async function openAccountMenu(page: Page): Promise<void> {
  const toggle = page.getByTestId('account-menu');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.locator('#account-menu-list').waitFor();
}

/** The text of the whole header: navigation bar and the person's menu (also when folded). */
export async function headerText(page: Page): Promise<string> {
  return (await page.locator('header').textContent()) ?? '';
}
