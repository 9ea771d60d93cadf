import { describe, expect, it } from 'vitest';
import { activeFilterCount, emptyFilters, fromQuery, toMatchFilters, toQuery } from './searchState';

describe('search state in the URL', () => {
  it('round-trips text and every filter, with repeated keys for lists', () => {
    const filters = emptyFilters();
    filters.kind = ['software', 'saas'];
    filters.land = ['Baden-Württemberg'];
    filters.standard = ['FIT-Connect'];
    const qs = toQuery({ text: '  Wohnsitz anmelden ', filters });
    expect(qs).toBe('q=Wohnsitz+anmelden&kind=software&kind=saas&standard=FIT-Connect&land=Baden-W%C3%BCrttemberg');
    const back = fromQuery(new URLSearchParams(qs));
    expect(back.text).toBe('Wohnsitz anmelden');
    expect(back.filters).toEqual(filters);
    expect(activeFilterCount(back.filters)).toBe(4);
  });

  it('ignores unknown keys, blanks and duplicates', () => {
    const s = fromQuery(new URLSearchParams('q=&foo=bar&kind=software&kind=software&kind=%20'));
    expect(s.text).toBe('');
    expect(s.filters.kind).toEqual(['software']);
    expect(toQuery(s)).toBe('kind=software');
  });

  it('sends only non-empty filter lists to the match API', () => {
    const f = emptyFilters();
    f.maturity = ['in_production'];
    expect(toMatchFilters(f)).toEqual({ maturity: ['in_production'] });
    expect(toMatchFilters(emptyFilters())).toEqual({});
  });
});
