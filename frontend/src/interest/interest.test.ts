import { describe, expect, it } from 'vitest';
import { atLeast, emptyForm, fromInterest, summaryLine, toInput } from './interest';
import type { Interest } from '../api/types';

describe('interest form', () => {
  it('sends a month as its first day and German numbers as numbers', () => {
    const input = toInput({ ...emptyForm(), level: 'letter_of_intent', plannedStart: '2027-03', expectedSize: '201.000', sizeUnit: 'inhabitants' });
    expect(input).toEqual({ level: 'letter_of_intent', planned_start: '2027-03-01', expected_size: 201000, size_unit: 'inhabitants', comment: '' });
    expect(toInput({ ...emptyForm(), expectedSize: '2,5' })?.expected_size).toBe(2.5);
    expect(toInput({ ...emptyForm(), expectedSize: 'viele' })).toBeNull();
    // A number input binds a number, or null when empty.
    expect(toInput({ ...emptyForm(), expectedSize: 12.5 })?.expected_size).toBe(12.5);
    expect(toInput({ ...emptyForm(), expectedSize: null })?.expected_size).toBeNull();
    expect(toInput(emptyForm())).toMatchObject({ planned_start: null, expected_size: null, size_unit: null });
  });

  it('fills the form from a stored interest', () => {
    const stored = { level: 'watching', planned_start: '2026-11-01', expected_size: 40, size_unit: 'users', comment: 'x' } as Interest;
    expect(fromInterest(stored)).toEqual({ level: 'watching', plannedStart: '2026-11', expectedSize: '40', sizeUnit: 'users', comment: 'x' });
  });
});

describe('interest summary', () => {
  it('says how many, of which kind, and how many letters of intent', () => {
    const line = summaryLine({
      organisations: 3,
      by_level: [
        { level: 'watching', count: 0 },
        { level: 'interested', count: 1 },
        { level: 'letter_of_intent', count: 2 },
      ],
      by_kind: [
        { kind: 'kommune', count: 2 },
        { kind: 'land', count: 1 },
      ],
    });
    expect(line).toBe('3 Organisationen interessiert (2 Kommunen, 1 Land) · 2 Absichtserklärungen');
    expect(summaryLine({ organisations: 0, by_level: [], by_kind: [] })).toBe('Noch keine Organisation hat Interesse bekundet.');
  });
});

describe('threshold levels', () => {
  it('counts stronger levels too', () => {
    expect(atLeast('letter_of_intent', 'interested')).toBe(true);
    expect(atLeast('interested', 'interested')).toBe(true);
    expect(atLeast('watching', 'letter_of_intent')).toBe(false);
  });
});
