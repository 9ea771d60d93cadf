// Readable names for the reuse-check types of the generated OpenAPI schema.

import type { components } from '../api/schema';

type S = components['schemas'];

export type ReuseCheck = S['ReuseCheck'];
export type ReuseCheckSummary = S['ReuseCheckSummary'];
export type Candidate = S['Candidate'];
export type Decision = S['Decision'];
export type OutcomeKind = S['OutcomeKind'];
export type CandidateInput = S['CandidateInput'];

export const DECISIONS: Decision[] = ['fits', 'fits_with_changes', 'does_not_fit'];
export const OUTCOMES: OutcomeKind[] = ['reuse_solution', 'join_community', 'build_new'];
