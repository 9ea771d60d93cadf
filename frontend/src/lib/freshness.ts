import { de } from '../i18n/de';

/** "Es fehlt: Lizenz, Dokumentation" for the minimum requirements a solution misses. */
export function missingText(missing: readonly string[]): string {
  const names = de.freshness.requirement as Record<string, string>;
  return de.freshness.missing(missing.map((m) => names[m] ?? m).join(', '));
}
