import { describe, expect, it } from 'vitest';
import { describeActor, describeDetail, describeTarget } from './audit';

describe('audit detail', () => {
  it('is one line of text with German role names', () => {
    expect(describeDetail({ from: 'seeker', to: 'provider' })).toBe('vorher: Suchende Verwaltung · nachher: Anbieter');
    expect(describeDetail({ scopes: ['read', 'write'], ip: null, n: 3 })).toBe('Berechtigungen: read, write · IP-Adresse: – · n: 3');
    expect(describeDetail({ x: { y: 1 } })).toBe('x: {"y":1}');
  });

  it('names targets by their kind in German, unknown ones as stored', () => {
    expect(describeTarget('user:2')).toBe('Konto-ID 2');
    expect(describeTarget('user:2', 'Erika Muster')).toBe('Erika Muster (Konto-ID 2)');
    expect(describeTarget('channel:7', 'ignored')).toBe('Kanal 7');
    expect(describeActor(3, null)).toBe('Konto-ID 3');
    expect(describeActor(3, 'betrieb@example.org')).toBe('betrieb@example.org (Konto-ID 3)');
    expect(describeTarget('channel:17')).toBe('Kanal 17');
    expect(describeTarget('ip:203.0.113.7')).toBe('IP-Adresse 203.0.113.7');
    expect(describeTarget('weird:1')).toBe('weird:1');
    expect(describeTarget('plain')).toBe('plain');
  });

  it('is empty for nothing to say', () => {
    for (const d of [null, {}, [], 'text']) expect(describeDetail(d)).toBe('');
  });
});
