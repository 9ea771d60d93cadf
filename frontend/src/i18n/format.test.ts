import { describe, expect, it } from 'vitest';
import { formatDate, formatNumber, formatPercent } from './format';
import { de } from './de';

describe('de-DE formatting', () => {
  it('formats dates, numbers and percentages the German way', () => {
    expect(formatDate('2026-12-01T21:45:00Z')).toBe('01.12.2026');
    expect(formatDate(null)).toBe('');
    expect(formatDate('not a date')).toBe('');
    expect(formatNumber(6588)).toBe('6.588');
    expect(formatPercent(0.873)).toBe('87\u00a0%');
    expect(formatPercent(1.7)).toBe('100\u00a0%');
  });

  it('chooses singular and plural forms', () => {
    expect(de.search.resultCount(1)).toBe('1 passende Lösung gefunden.');
    expect(de.search.resultCount(3)).toBe('3 passende Lösungen gefunden.');
    expect(de.card.usedBy(1)).toBe('wird genutzt von 1 Verwaltung');
    expect(de.card.usedBy(4)).toBe('wird genutzt von 4 Verwaltungen');
    expect(de.catalogue.count(6588)).toBe('6.588 Lösungen');
    expect(de.semantic.building(43)).toBe('Semantische Suche wird vorbereitet … 43 %');
  });
});
