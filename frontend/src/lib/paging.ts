// Paged lists whose page number lives in the address (`?seite=2`), so that reload and the
// back button keep the place.

/** The 1-based page from `?seite=`, 1 for anything that is not a positive integer. */
export function pageParam(raw: string | null): number {
  return raw && /^[1-9][0-9]{0,6}$/.test(raw) ? Number(raw) : 1;
}

export interface PageInfo {
  /** 1-based numbers of the first and last item shown (0 and 0 for an empty page). */
  from: number;
  to: number;
  hasPrevious: boolean;
  hasNext: boolean;
}

export function pageInfo(offset: number, shown: number, total: number): PageInfo {
  return {
    from: shown ? offset + 1 : 0,
    to: offset + shown,
    hasPrevious: offset > 0,
    hasNext: offset + shown < total,
  };
}
