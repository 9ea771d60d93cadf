// de-DE formatting in one place, so pages never build number or date strings by hand.

const dateFmt = new Intl.DateTimeFormat('de-DE', { day: '2-digit', month: '2-digit', year: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'short' });
const numberFmt = new Intl.NumberFormat('de-DE');
const percentFmt = new Intl.NumberFormat('de-DE', { style: 'percent', maximumFractionDigits: 0 });

function parse(value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `01.12.2026`; an empty string for a missing or unparsable date. */
export function formatDate(value: string | Date | null | undefined): string {
  const d = parse(value);
  return d ? dateFmt.format(d) : '';
}

export function formatDateTime(value: string | Date | null | undefined): string {
  const d = parse(value);
  return d ? dateTimeFmt.format(d) : '';
}

export function formatNumber(n: number): string {
  return numberFmt.format(n);
}

/** A ratio 0..1 as `87 %` (German puts a space before the sign). */
export function formatPercent(ratio: number): string {
  return percentFmt.format(Math.max(0, Math.min(1, ratio)));
}
