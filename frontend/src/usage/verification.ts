// What a list of usages says, without showing claims as facts: confirmed usages count,
// claims are counted apart, rejected claims are named only as such.

import type { Usage } from '../api/types';

export type Badge = 'confirmed' | 'claimed' | 'rejected' | 'due';

export interface UsageCounts {
  confirmed: number;
  claimed: number;
  rejected: number;
}

export function countUsages(usages: readonly Pick<Usage, 'verification'>[]): UsageCounts {
  const c: UsageCounts = { confirmed: 0, claimed: 0, rejected: 0 };
  for (const u of usages) c[u.verification] += 1;
  return c;
}

/** The badge a usage wears: a confirmation that fell due is shown as due. */
export function badgeOf(u: Pick<Usage, 'verification' | 'confirmation_due'>): Badge {
  if (u.verification === 'confirmed' && u.confirmation_due) return 'due';
  return u.verification;
}

export const badgeClass: Record<Badge, string> = {
  confirmed: 'kern-badge--success',
  claimed: 'kern-badge--warning',
  rejected: 'kern-badge--danger',
  due: 'kern-badge--info',
};

/** Confirmed first, then due, then claims, rejected last; within each, by id. */
export function orderUsages<T extends Pick<Usage, 'id' | 'verification' | 'confirmation_due'>>(usages: readonly T[]): T[] {
  const rank: Record<Badge, number> = { confirmed: 0, due: 1, claimed: 2, rejected: 3 };
  return [...usages].sort((a, b) => rank[badgeOf(a)] - rank[badgeOf(b)] || a.id - b.id);
}

/** `12,5` or `12.5` → 12.5; empty → null; anything else (or negative) → NaN. */
export function parseAmount(raw: string): number | null {
  const s = raw.trim().replace(/\s/g, '');
  if (s === '') return null;
  const normalised = s.includes(',') ? s.replace(/\./g, '').replace(',', '.') : s;
  if (!/^\d+(\.\d+)?$/.test(normalised)) return Number.NaN;
  return Number(normalised);
}

/** Experience reports by the usage they are about, in the order given. */
export function reportsByUsage<T extends { usage_id: number }>(reports: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of reports) out.set(r.usage_id, [...(out.get(r.usage_id) ?? []), r]);
  return out;
}
