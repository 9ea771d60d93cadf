// What a reuse check records of a match answer: each solution shown, with its score,
// similarity and the query words that matched (de-duplicated across fields).

import type { SolutionMatch } from '../api/types';
import type { CandidateInput } from './types';

export function candidatesOf(solutions: SolutionMatch[]): CandidateInput[] {
  return solutions.map((s) => ({
    solution_id: s.id,
    score: s.score,
    similarity: s.explanation.semantic_similarity ?? null,
    matched_terms: [...new Set(s.explanation.matched_terms.flatMap((f) => f.terms))].slice(0, 30),
  }));
}
