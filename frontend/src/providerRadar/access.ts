// Who sees an organisation's needs radar: its members and operators (as the API decides).

import { session } from '../lib/session.svelte';

export function seesNeedsRadar(organisationId: number | null): boolean {
  const u = session.user;
  return !!u && (u.role === 'operator' || u.memberships.some((m) => m.organisation_id === organisationId));
}
