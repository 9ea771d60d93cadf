import { describe, expect, it } from 'vitest';
import { evidenceText } from './evidence';

describe('usage evidence', () => {
  it('names confirmed usages and the group like the seeker', () => {
    expect(evidenceText({ confirmed: 3, claimed: 1, group: { kind: 'kommune', land: 'Hessen', count: 2, like_seeker: true } })).toBe(
      'bestätigt genutzt von 3 Verwaltungen, davon 2 Kommunen in Hessen',
    );
    expect(evidenceText({ confirmed: 1, claimed: 0, group: { kind: 'kreis', land: null, count: 1, like_seeker: true } })).toBe('bestätigt genutzt von 1 Verwaltung');
  });

  it('says nothing for claims alone', () => {
    expect(evidenceText({ confirmed: 0, claimed: 4, group: null })).toBe('');
    expect(evidenceText(null)).toBe('');
  });
});
