// An audit entry's `detail` object as one line of text (never HTML): `vorher: …, nachher: …`.
// Known keys and role names are shown in German; everything else as stored.

import { de } from '../i18n/de';

function value(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return de.roles[v] ?? v;
  if (Array.isArray(v)) return v.map(value).join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * An audit target (`user:2`, `channel:7`) in German (`Konto-ID 2`, or `Erika (Konto-ID 2)`
 * when the log names the account); unknown kinds as stored.
 */
export function describeTarget(target: string, name?: string | null): string {
  const at = target.indexOf(':');
  const id = target.slice(at + 1);
  if (name && target.startsWith('user:')) return de.operations.namedAccount(name, id);
  const kind = at > 0 ? de.operations.targetKinds[target.slice(0, at)] : undefined;
  return kind ? `${kind} ${id}` : target;
}

/** Who triggered an entry: named with the ID when the log knows the account. */
export function describeActor(id: number, name?: string | null): string {
  return name ? de.operations.namedAccount(name, id) : de.operations.account(id);
}

export function describeDetail(detail: unknown): string {
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return '';
  return Object.entries(detail as Record<string, unknown>)
    .map(([k, v]) => `${de.operations.detailKeys[k] ?? k}: ${value(v)}`)
    .join(' · ');
}
