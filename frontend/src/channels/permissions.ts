// What the caller may do in a channel, mirroring backend/community/src/policy.rs so that the UI
// offers only what the server allows (the server still decides every request).

import type { Channel } from '../api/types';
import type { User as UserView } from '../lib/session.svelte';

const EVERYWHERE = ['community_manager', 'operator'];

/** Pin, hide, lock, mute, ban: the channel's owners and moderators; community managers and
 * operators everywhere. Not offered in direct channels: both sides own them, and sanctioning
 * the person one is talking to is not moderation. */
export function canModerate(ch: Channel, user: UserView | null): boolean {
  if (!user || ch.kind === 'direct') return false;
  if (ch.my_role === 'moderator' || ch.my_role === 'owner') return true;
  return EVERYWHERE.includes(user.role);
}

/** Inviting people: those who moderate the channel (the server's `can_invite`). */
export const canInvite = canModerate;

export function isMember(ch: Channel): boolean {
  return ch.my_role !== null && ch.my_role !== undefined;
}

/** Writing and reacting: members, in an unlocked channel unless moderating. */
export function canPost(ch: Channel, user: UserView | null): boolean {
  return !!user && isMember(ch) && (!ch.locked || canModerate(ch, user));
}

/** Joining without an invitation: public channels, organisation channels for its members. */
export function canJoin(ch: Channel, user: UserView | null): boolean {
  if (!user || isMember(ch) || ch.kind === 'direct') return false;
  if (ch.visibility === 'public') return true;
  if (ch.visibility === 'organisation')
    return user.role === 'operator' || (user.memberships ?? []).some((m) => m.organisation_id === ch.organisation_id);
  return user.role === 'operator';
}

/** Creating a channel of this kind: forums are for community managers (and operators). */
export function canCreate(kind: Channel['kind'], user: UserView | null): boolean {
  if (!user || kind === 'direct') return false;
  return kind !== 'forum' || EVERYWHERE.includes(user.role);
}

export function seesReportQueue(user: UserView | null): boolean {
  return !!user && EVERYWHERE.includes(user.role);
}
