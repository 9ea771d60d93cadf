// The two conversation entry points of a solution, shared by result cards and detail pages.

import { api } from '../api/client';
import type { Channel, DirectChannel } from '../api/types';

/** Opens (or reuses) the caller's direct channel with the solution's provider. */
export async function openDirectChannel(solutionId: number): Promise<number> {
  const res = await api.post<DirectChannel>('/matches/channel', { solution_id: solutionId });
  return res.channel.id;
}

/** The solution's Q&A channel, if it has one. */
export async function findQaChannel(solutionId: number, signal?: AbortSignal): Promise<Channel | null> {
  const list = await api.get<Channel[]>('/channels', {
    query: { kind: 'qa', solution_id: solutionId, limit: 1 },
    ...(signal ? { signal } : {}),
  });
  return list[0] ?? null;
}

export function loginHref(back: string): string {
  return `/anmelden?weiter=${encodeURIComponent(back)}`;
}
