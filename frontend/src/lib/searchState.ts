// Query and filters of the start page ⇄ the URL's search parameters, so that a result
// page can be shared and the back button restores it.

export const FILTER_KEYS = [
  'kind',
  'maturity',
  'reuse_model',
  'costs_model',
  'licence',
  'standard',
  'land',
  'provider_kind',
] as const;

export type FilterKey = (typeof FILTER_KEYS)[number];
export type Filters = Record<FilterKey, string[]>;

export interface SearchState {
  text: string;
  filters: Filters;
}

export function emptyFilters(): Filters {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, [] as string[]])) as Filters;
}

export function fromQuery(q: URLSearchParams): SearchState {
  const filters = emptyFilters();
  for (const k of FILTER_KEYS) {
    filters[k] = [...new Set(q.getAll(k).map((v) => v.trim()).filter(Boolean))];
  }
  return { text: (q.get('q') ?? '').trim(), filters };
}

export function toQuery(s: SearchState): string {
  const q = new URLSearchParams();
  if (s.text.trim()) q.set('q', s.text.trim());
  for (const k of FILTER_KEYS) for (const v of s.filters[k]) q.append(k, v);
  return q.toString();
}

export function activeFilterCount(f: Filters): number {
  return FILTER_KEYS.reduce((n, k) => n + f[k].length, 0);
}

/** The match API's `filters` object: only non-empty lists. */
export function toMatchFilters(f: Filters): Partial<Filters> {
  const out: Partial<Filters> = {};
  for (const k of FILTER_KEYS) if (f[k].length) out[k] = [...f[k]];
  return out;
}
