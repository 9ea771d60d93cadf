import { describe, expect, it } from 'vitest';
import { describeDetail } from './audit';

describe('audit detail', () => {
  it('is one line of text with German role names', () => {
    expect(describeDetail({ from: 'seeker', to: 'provider' })).toBe('vorher: Suchende Verwaltung · nachher: Anbieter');
    expect(describeDetail({ scopes: ['read', 'write'], ip: null, n: 3 })).toBe('Berechtigungen: read, write · IP-Adresse: – · n: 3');
    expect(describeDetail({ x: { y: 1 } })).toBe('x: {"y":1}');
  });

  it('is empty for nothing to say', () => {
    for (const d of [null, {}, [], 'text']) expect(describeDetail(d)).toBe('');
  });
});
