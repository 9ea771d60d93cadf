// The number of unread organisation notices, for the badge in the navigation: fetched when
// someone signs in, on every navigation and whenever the inbox changes a notice.

import { api } from '../api/client';
import type { components } from '../api/schema';
import { session } from '../lib/session.svelte';

export const unreadNotices: { count: number } = $state({ count: 0 });

export async function refreshUnread(): Promise<void> {
  if (!session.user) {
    unreadNotices.count = 0;
    return;
  }
  try {
    const r = await api.get<components['schemas']['UnreadNotices']>('/notices/unread');
    unreadNotices.count = r.unread;
  } catch (e) {
    // The badge is a hint; it keeps its last value until the next refresh.
    console.warn('unread notices', e);
  }
}
