// Readable names for the generated OpenAPI types (src/api/schema.d.ts, `npm run types`).

import type { components } from './schema';

type S = components['schemas'];

export type MatchResponse = S['MatchResponse'];
export type ServerStatus = S['Status'];
export type SemanticState = S['SemanticState'];
export type SemanticSummary = S['SemanticSummary'];
export type SolutionMatch = S['SolutionMatch'];
export type OrganisationRef = S['OrganisationRef'];
export type PeerMatch = S['PeerMatch'];
export type Solution = S['Solution'];
export type Organisation = S['Organisation'];
export type Usage = S['Usage'];
export type Experience = S['Experience'];
export type Review = S['Review'];
export type ReviewKind = S['ReviewKind'];
export type ReviewVisibility = S['ReviewVisibility'];
export type Need = S['Need'];
export type Channel = S['Channel'];
export type DirectChannel = S['DirectChannel'];

/** Every catalogue list answers this envelope (`limit` ≤ 500). */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export type Message = S['Message'];
export type HistoryPage = S['HistoryPage'];
export type Moderation = S['Moderation'];
export type Person = S['Person'];
export type Interest = S['Interest'];
export type InterestInput = S['InterestInput'];
export type InterestOverview = S['InterestOverview'];
export type InterestSummary = S['InterestSummary'];
export type OrganisationNotice = S['OrganisationNotice'];
export type Threshold = S['Threshold'];
export type Bundling = S['Bundling'];
export type ClientInterests = S['ClientInterests'];

// Compile-time checks that the hand-written envelope stays what the server documents.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const pageMatchesSchema: Same<S['Page_Solution'], Page<Solution>> & Same<S['Page_Need'], Page<Need>> = true;
