import { describe, expect, it } from 'vitest';
import { badgeOf, countUsages, orderUsages, parseAmount } from './verification';

describe('usage verification', () => {
  const u = (id: number, verification: 'claimed' | 'confirmed' | 'rejected', confirmation_due = false) => ({ id, verification, confirmation_due });

  it('counts confirmed usages apart from claims and rejections', () => {
    expect(countUsages([u(1, 'confirmed'), u(2, 'claimed'), u(3, 'confirmed', true), u(4, 'rejected')])).toEqual({ confirmed: 2, claimed: 1, rejected: 1 });
  });

  it('shows a confirmation that fell due as due, never a claim as confirmed', () => {
    expect(badgeOf(u(1, 'confirmed', true))).toBe('due');
    expect(badgeOf(u(1, 'claimed', true))).toBe('claimed');
    expect(orderUsages([u(4, 'rejected'), u(3, 'claimed'), u(2, 'confirmed', true), u(1, 'confirmed')]).map((x) => x.id)).toEqual([1, 2, 3, 4]);
  });

  it('reads German and plain amounts', () => {
    expect(parseAmount('12,5')).toBe(12.5);
    expect(parseAmount('1.200,50')).toBe(1200.5);
    expect(parseAmount('3000')).toBe(3000);
    expect(parseAmount(' ')).toBeNull();
    expect(parseAmount('-5')).toBeNaN();
    expect(parseAmount('zwölf')).toBeNaN();
  });
});
