import { describe, expect, it } from 'vitest';
import type { Channel } from '../api/types';
import type { User } from '../lib/session.svelte';
import { canCreate, canJoin, canModerate, canPost, seesReportQueue } from './permissions';

const user = (role: string, orgs: number[] = []): User =>
  ({ id: 1, email: 'a@b.de', role, created_at: '', memberships: orgs.map((o) => ({ organisation_id: o, role: 'member' })) }) as User;
const channel = (over: Partial<Channel>): Channel => ({
  id: 1,
  kind: 'community',
  visibility: 'public',
  name: 'x',
  description: '',
  created_by: 1,
  locked: false,
  created_at: '',
  updated_at: '',
  my_role: null,
  ...over,
});

describe('channel permissions in the UI', () => {
  it('offers moderation to owners, moderators and community managers, never in direct channels', () => {
    expect(canModerate(channel({ my_role: 'owner' }), user('seeker'))).toBe(true);
    expect(canModerate(channel({ my_role: 'member' }), user('seeker'))).toBe(false);
    expect(canModerate(channel({}), user('community_manager'))).toBe(true);
    expect(canModerate(channel({ kind: 'direct', my_role: 'owner' }), user('operator'))).toBe(false);
    expect(canModerate(channel({ my_role: 'owner' }), null)).toBe(false);
  });

  it('lets members post unless the channel is locked (moderators still may)', () => {
    expect(canPost(channel({ my_role: 'member' }), user('seeker'))).toBe(true);
    expect(canPost(channel({}), user('seeker'))).toBe(false);
    expect(canPost(channel({ my_role: 'member', locked: true }), user('seeker'))).toBe(false);
    expect(canPost(channel({ my_role: 'moderator', locked: true }), user('seeker'))).toBe(true);
  });

  it('offers joining public channels and the own organisation\'s channels only', () => {
    expect(canJoin(channel({}), user('seeker'))).toBe(true);
    expect(canJoin(channel({ my_role: 'member' }), user('seeker'))).toBe(false);
    expect(canJoin(channel({ visibility: 'organisation', organisation_id: 5 }), user('seeker', [5]))).toBe(true);
    expect(canJoin(channel({ visibility: 'organisation', organisation_id: 5 }), user('seeker', [6]))).toBe(false);
    expect(canJoin(channel({ visibility: 'members' }), user('seeker'))).toBe(false);
    expect(canJoin(channel({ kind: 'direct' }), user('operator'))).toBe(false);
  });

  it('keeps forums and the report queue for community managers and operators', () => {
    expect(canCreate('forum', user('seeker'))).toBe(false);
    expect(canCreate('forum', user('community_manager'))).toBe(true);
    expect(canCreate('community', user('seeker'))).toBe(true);
    expect(canCreate('direct', user('operator'))).toBe(false);
    expect(seesReportQueue(user('provider'))).toBe(false);
    expect(seesReportQueue(user('operator'))).toBe(true);
  });
});
