// The interest form's state and the aggregate's sentence: plain functions, tested on their own.

import { de } from '../i18n/de';
import type { Interest, InterestInput, InterestSummary } from '../api/types';

/** What the form's fields hold (strings, as inputs do). */
export interface FormState {
  level: string;
  /** `YYYY-MM` (a month input) or empty. */
  plannedStart: string;
  /** A number input binds a number (or null when empty); a restored value is a string. */
  expectedSize: string | number | null;
  sizeUnit: string;
  comment: string;
}

export function emptyForm(): FormState {
  return { level: 'interested', plannedStart: '', expectedSize: '', sizeUnit: '', comment: '' };
}

export function fromInterest(i: Interest): FormState {
  return {
    level: i.level,
    plannedStart: i.planned_start ? i.planned_start.slice(0, 7) : '',
    expectedSize: i.expected_size !== null && i.expected_size !== undefined ? String(i.expected_size) : '',
    sizeUnit: i.size_unit ?? '',
    comment: i.comment,
  };
}

/** The request body, or null when the size is not a number. A month is sent as its first day. */
export function toInput(f: FormState): InterestInput | null {
  let n: number | null;
  if (typeof f.expectedSize === 'number') n = f.expectedSize;
  else {
    const size = (f.expectedSize ?? '').trim().replace(/\./g, '').replace(',', '.');
    n = size === '' ? null : Number(size);
  }
  if (n !== null && !Number.isFinite(n)) return null;
  const start = /^\d{4}-\d{2}$/.test(f.plannedStart) ? `${f.plannedStart}-01` : f.plannedStart || null;
  return {
    level: f.level as InterestInput['level'],
    planned_start: start,
    expected_size: n,
    size_unit: (f.sizeUnit || null) as InterestInput['size_unit'],
    comment: f.comment,
  };
}

/** "3 Organisationen interessiert (2 Kommunen, 1 Land) · 2 Absichtserklärungen". */
export function summaryLine(s: InterestSummary): string {
  if (s.organisations === 0) return de.interest.none;
  const kinds = s.by_kind.map((k) => de.interest.kindCount(k.count, k.kind)).join(', ');
  const letters = s.by_level.find((l) => l.level === 'letter_of_intent')?.count ?? 0;
  return `${de.interest.organisations(s.organisations)} (${kinds}) · ${de.interest.letters(letters)}`;
}

const LEVELS = ['watching', 'interested', 'letter_of_intent'];

/** Whether `level` counts for a threshold at `threshold` (a letter of intent is also interest). */
export function atLeast(level: string, threshold: string): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(threshold);
}
