import { describe, expect, it } from 'vitest';
import { highlight, snippet } from './highlight';

describe('highlighting matched stems', () => {
  it('marks whole words that start with a stem, case-insensitively', () => {
    expect(highlight('Online-Anmeldung des Wohnsitzes', ['wohnsitz', 'anmeld'])).toEqual([
      { text: 'Online-Anmeldung', mark: true },
      { text: ' des ', mark: false },
      { text: 'Wohnsitzes', mark: true },
    ]);
  });

  it('leaves text alone without stems and keeps markup characters as text', () => {
    expect(highlight('<b>Meldewesen</b>', [])).toEqual([{ text: '<b>Meldewesen</b>', mark: false }]);
    expect(highlight('<b>Meldewesen</b>', ['meldewes'])).toEqual([
      { text: '<b>', mark: false },
      { text: 'Meldewesen', mark: true },
      { text: '</b>', mark: false },
    ]);
  });

  it('cuts long snippets at a word boundary', () => {
    const s = snippet('Wort '.repeat(100), 50);
    expect(s.length).toBeLessThanOrEqual(52);
    expect(s.endsWith(' …')).toBe(true);
  });
});
