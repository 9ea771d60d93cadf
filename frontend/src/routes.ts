// The route table: path pattern → page component and title. Pages get `params` (path
// parameters) as their only prop; query state is read from `current.location.query`.

import type { Component } from 'svelte';
import { de } from './i18n/de';
import Start from './pages/Start.svelte';
import Catalogue from './pages/Catalogue.svelte';
import SolutionDetail from './pages/SolutionDetail.svelte';
import SolutionEdit from './pages/SolutionEdit.svelte';
import OrganisationPage from './pages/OrganisationPage.svelte';
import Needs from './pages/Needs.svelte';
import Inbox from './pages/Inbox.svelte';
import Login from './pages/Login.svelte';
import Register from './pages/Register.svelte';
import Account from './pages/Account.svelte';
import Roles from './pages/operations/Roles.svelte';
import AuditLog from './pages/operations/AuditLog.svelte';
import NotFound from './pages/NotFound.svelte';
import ChannelList from './channels/ChannelList.svelte';
import ChannelView from './channels/ChannelView.svelte';

export type PageProps = { params: Record<string, string> };

export interface RouteDef {
  pattern: string;
  component: Component<PageProps>;
  /** The document title's first part (pages may refine it once their data is loaded). */
  title: string;
  /** Only for signed-in users; others are sent to the login page. */
  auth?: boolean;
  /** Only for these platform roles; others see a "no permission" message. */
  roles?: string[];
}

export const routes: RouteDef[] = [
  { pattern: '/', component: Start, title: de.search.title },
  { pattern: '/katalog', component: Catalogue, title: de.catalogue.title },
  { pattern: '/loesungen/neu', component: SolutionEdit, title: de.edit.newTitle, auth: true },
  { pattern: '/loesungen/:id', component: SolutionDetail, title: de.nav.catalogue },
  { pattern: '/loesungen/:id/bearbeiten', component: SolutionEdit, title: de.edit.title, auth: true },
  { pattern: '/organisationen/:id', component: OrganisationPage, title: de.nav.catalogue },
  { pattern: '/bedarfe', component: Needs, title: de.needs.title },
  { pattern: '/benachrichtigungen', component: Inbox, title: de.inbox.title, auth: true },
  { pattern: '/anmelden', component: Login, title: de.auth.loginTitle },
  { pattern: '/registrieren', component: Register, title: de.auth.registerTitle },
  { pattern: '/konto', component: Account, title: de.account.title, auth: true },
  { pattern: '/kanaele', component: ChannelList, title: de.nav.channels, auth: true },
  { pattern: '/kanaele/:id', component: ChannelView, title: de.nav.channels, auth: true },
  { pattern: '/betrieb/rollen', component: Roles, title: de.operations.rolesTitle, auth: true, roles: ['operator'] },
  { pattern: '/betrieb/protokoll', component: AuditLog, title: de.operations.auditTitle, auth: true, roles: ['operator'] },
];

export const notFound: RouteDef = { pattern: '*', component: NotFound, title: de.notFound.title };

/** Navigation entries by role: everybody, signed-in users, and extra per platform role. */
export interface NavItem {
  href: string;
  label: string;
  when: 'always' | 'signedIn' | 'signedOut';
  roles?: string[];
}

export const navItems: NavItem[] = [
  { href: '/', label: de.nav.search, when: 'always' },
  { href: '/katalog', label: de.nav.catalogue, when: 'always' },
  { href: '/bedarfe', label: de.nav.needs, when: 'always' },
  { href: '/kanaele', label: de.nav.channels, when: 'signedIn' },
  { href: '/benachrichtigungen', label: de.nav.inbox, when: 'signedIn' },
  { href: '/katalog?mine=1', label: de.nav.mySolutions, when: 'signedIn', roles: ['provider', 'operator'] },
  { href: '/kanaele?moderation=1', label: de.nav.moderation, when: 'signedIn', roles: ['community_manager', 'operator'] },
  { href: '/betrieb/rollen', label: de.nav.roles, when: 'signedIn', roles: ['operator'] },
  { href: '/betrieb/protokoll', label: de.nav.audit, when: 'signedIn', roles: ['operator'] },
  { href: '/konto', label: de.nav.account, when: 'signedIn' },
  { href: '/anmelden', label: de.nav.login, when: 'signedOut' },
  { href: '/registrieren', label: de.nav.register, when: 'signedOut' },
];
