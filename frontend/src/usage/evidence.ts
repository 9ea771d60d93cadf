// The sentence a match explanation makes of verified usage: "bestätigt genutzt von 3
// Verwaltungen, davon 2 Kommunen in Hessen" (claims are never evidence).

import { de } from '../i18n/de';
import type { components } from '../api/schema';

export type UsageEvidence = components['schemas']['UsageEvidence'];

export function evidenceText(e: UsageEvidence | null | undefined): string {
  if (!e || e.confirmed === 0) return '';
  let text = de.evidence.confirmed(e.confirmed);
  const g = e.group;
  if (g && g.count > 0 && (g.count < e.confirmed || g.land)) {
    const forms = de.evidence.kinds[g.kind] ?? [g.kind, g.kind];
    text += `, ${de.evidence.group(g.count, g.count === 1 ? forms[0] : forms[1], g.land ?? null)}`;
  }
  return text;
}
