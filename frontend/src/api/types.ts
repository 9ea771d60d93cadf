// Readable names for the generated OpenAPI types (src/api/schema.d.ts, `npm run types`).

import type { components } from './schema';

type S = components['schemas'];

export type MatchResponse = S['MatchResponse'] & {
  // Added by the status contract (wt-data); absent on older servers.
  semantic?: { state: 'building' | 'ready' | 'disabled'; percent: number };
};
export type SolutionMatch = S['SolutionMatch'];
export type ProviderMatch = S['ProviderMatch'];
export type PeerMatch = S['PeerMatch'];
export type OrganisationRef = S['OrganisationRef'];
export type Solution = S['Solution'];
export type Organisation = S['Organisation'];
export type Usage = S['Usage'];
export type Need = S['Need'];
export type Channel = S['Channel'];
export type DirectChannel = S['DirectChannel'];
export type UserView = S['UserView'];

/** Every catalogue list answers this envelope (`limit` ≤ 500). */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export type Message = S['Message'];
export type HistoryPage = S['HistoryPage'];
export type Contact = S['Contact'];
