// Organisations by id. Lists name organisations only by id, so pages fetch the few distinct
// ones they show in parallel (bounded: callers pass at most a page's worth).

import { api, asApiError } from '../api/client';
import type { Organisation } from '../api/types';

export async function fetchOrganisations(
  ids: Iterable<number | null | undefined>,
  signal?: AbortSignal,
): Promise<Map<number, Organisation>> {
  const unique = [...new Set([...ids].filter((x): x is number => typeof x === 'number'))];
  const out = new Map<number, Organisation>();
  await Promise.all(
    unique.map(async (id) => {
      try {
        out.set(id, await api.get<Organisation>(`/organisations/${id}`, signal ? { signal } : {}));
      } catch (e) {
        // A deleted organisation is shown by id; any other failure fails the page.
        if (asApiError(e).status !== 404) throw e;
      }
    }),
  );
  return out;
}
