// The route table: path pattern → page (loaded on demand, one chunk each) and title. Pages
// get `params` (path parameters) as their only prop; query state is read from
// `current.location.query`. This is the one place pages are listed.

import { de } from './i18n/de';
import type { PageImport } from './lib/pageCache';

export type PageProps = { params: Record<string, string> };

export interface RouteDef {
  pattern: string;
  /** The page's module, imported when the route is first shown. */
  page: PageImport<PageProps>;
  /** The document title's first part (pages may refine it once their data is loaded). */
  title: string;
  /** Only for signed-in users; others are sent to the login page. */
  auth?: boolean;
  /** Only for these platform roles; others see a "no permission" message. */
  roles?: string[];
}

export const routes: RouteDef[] = [
  { pattern: '/', page: () => import('./pages/Start.svelte'), title: de.search.title },
  { pattern: '/katalog', page: () => import('./pages/Catalogue.svelte'), title: de.catalogue.title },
  { pattern: '/loesungen/neu', page: () => import('./pages/SolutionEdit.svelte'), title: de.edit.newTitle, auth: true },
  { pattern: '/loesungen/:id', page: () => import('./pages/SolutionDetail.svelte'), title: de.nav.catalogue },
  { pattern: '/loesungen/:id/bearbeiten', page: () => import('./pages/SolutionEdit.svelte'), title: de.edit.title, auth: true },
  { pattern: '/organisationen/:id', page: () => import('./pages/OrganisationPage.svelte'), title: de.nav.catalogue },
  { pattern: '/organisationen/:id/bedarfsradar', page: () => import('./providerRadar/ProviderRadarPage.svelte'), title: de.providerRadar.heading, auth: true },
  { pattern: '/organisationen/:id/buendelung', page: () => import('./interest/BundlingPage.svelte'), title: de.interest.bundling.link, auth: true },
  { pattern: '/bedarfe', page: () => import('./pages/Needs.svelte'), title: de.needs.title },
  { pattern: '/benachrichtigungen', page: () => import('./pages/Inbox.svelte'), title: de.inbox.title, auth: true },
  { pattern: '/anmelden', page: () => import('./pages/Login.svelte'), title: de.auth.loginTitle },
  { pattern: '/registrieren', page: () => import('./pages/Register.svelte'), title: de.auth.registerTitle },
  { pattern: '/konto', page: () => import('./pages/Account.svelte'), title: de.account.title, auth: true },
  { pattern: '/bedarfsradar', page: () => import('./reuse/DemandRadar.svelte'), title: de.radar.title },
  { pattern: '/vorrangpruefungen', page: () => import('./reuse/ReuseCheckList.svelte'), title: de.reuseCheck.listTitle, auth: true },
  { pattern: '/vorrangpruefungen/:id', page: () => import('./reuse/ReuseCheckPage.svelte'), title: de.reuseCheck.title, auth: true },
  { pattern: '/kanaele', page: () => import('./channels/ChannelList.svelte'), title: de.nav.channels, auth: true },
  { pattern: '/kanaele/:id', page: () => import('./channels/ChannelView.svelte'), title: de.nav.channels, auth: true },
  {
    pattern: '/betrieb/rollen',
    page: () => import('./pages/operations/Roles.svelte'),
    title: de.operations.rolesTitle,
    auth: true,
    roles: ['operator'],
  },
  {
    pattern: '/betrieb/protokoll',
    page: () => import('./pages/operations/AuditLog.svelte'),
    title: de.operations.auditTitle,
    auth: true,
    roles: ['operator'],
  },
];

export const notFound: RouteDef = { pattern: '*', page: () => import('./pages/NotFound.svelte'), title: de.notFound.title };

/** Navigation entries by role: everybody, signed-in users, and extra per platform role. */
export interface NavItem {
  href: string;
  label: string;
  when: 'always' | 'signedIn' | 'signedOut';
  roles?: string[];
  /** `main`: the navigation bar (behind the menu button on phones); `account`: the signed-in
   *  person's menu (their account and role-specific work areas). */
  place: 'main' | 'account';
}

export const navItems: NavItem[] = [
  { href: '/', label: de.nav.search, when: 'always', place: 'main' },
  { href: '/katalog', label: de.nav.catalogue, when: 'always', place: 'main' },
  { href: '/bedarfe', label: de.nav.needs, when: 'always', place: 'main' },
  { href: '/bedarfsradar', label: de.radar.nav, when: 'always', place: 'main' },
  { href: '/kanaele', label: de.nav.channels, when: 'signedIn', place: 'main' },
  { href: '/benachrichtigungen', label: de.nav.inbox, when: 'signedIn', place: 'main' },
  { href: '/vorrangpruefungen', label: de.reuseCheck.nav, when: 'signedIn', place: 'main' },
  { href: '/katalog?mine=1', label: de.nav.mySolutions, when: 'signedIn', roles: ['provider', 'operator'], place: 'account' },
  { href: '/kanaele?moderation=1', label: de.nav.moderation, when: 'signedIn', roles: ['community_manager', 'operator'], place: 'account' },
  { href: '/betrieb/rollen', label: de.nav.roles, when: 'signedIn', roles: ['operator'], place: 'account' },
  { href: '/betrieb/protokoll', label: de.nav.audit, when: 'signedIn', roles: ['operator'], place: 'account' },
  { href: '/konto', label: de.nav.account, when: 'signedIn', place: 'account' },
  { href: '/anmelden', label: de.nav.login, when: 'signedOut', place: 'account' },
  { href: '/registrieren', label: de.nav.register, when: 'signedOut', place: 'main' },
];
