//! Ranking a query against the indexes: vector, lexical and fused, under the filters.

use super::*;

impl Matcher {
    /// Ranks solutions for a query. `query_vec` is needed for the vector and hybrid modes.
    pub fn rank(
        &self,
        text: &str,
        query_vec: Option<&[f32]>,
        mode: Mode,
        filters: &MatchFilters,
        limit: usize,
    ) -> Result<Vec<Ranked>, MatchError> {
        let mut times = StageTimes::default();
        self.rank_timed(text, query_vec, mode, filters, limit, &mut times)
    }

    /// As [`Matcher::rank`], recording how long the vector, lexical and fusion stages took.
    pub fn rank_timed(
        &self,
        text: &str,
        query_vec: Option<&[f32]>,
        mode: Mode,
        filters: &MatchFilters,
        limit: usize,
        times: &mut StageTimes,
    ) -> Result<Vec<Ranked>, MatchError> {
        let cat = self.catalogue.read().expect("catalogue lock");
        let allow = |id: i64| {
            cat.solutions
                .get(&id)
                .is_some_and(|m| passes(m, filters, &cat.organisations))
        };
        let vector_hits = match (mode, query_vec) {
            (Mode::Lexical, _) => vec![],
            (_, Some(q)) => timed(&mut times.vector, || {
                self.solution_vectors
                    .read()
                    .expect("vector lock")
                    .search(q, CANDIDATES, &allow)
            }),
            (_, None) => {
                return Err(MatchError::Internal(
                    "vector mode without a query vector".into(),
                ))
            }
        };
        let lexical_hits = match mode {
            Mode::Vector => vec![],
            _ => timed(&mut times.lexical, || {
                self.lexical.search(text, CANDIDATES, &allow)
            })?,
        };
        let fusion_started = std::time::Instant::now();
        let vec_ids: Vec<i64> = vector_hits.iter().map(|h| h.0).collect();
        let lex_ids: Vec<i64> = lexical_hits.iter().map(|h| h.0).collect();
        let fused = match mode {
            Mode::Vector => vector_hits.clone(),
            Mode::Lexical => lexical_hits.clone(),
            Mode::Hybrid => {
                reciprocal_rank(&[(&vec_ids, VECTOR_WEIGHT), (&lex_ids, LEXICAL_WEIGHT)])
            }
        };
        let vec_pos: HashMap<i64, (usize, f32)> = vector_hits
            .iter()
            .enumerate()
            .map(|(r, h)| (h.0, (r + 1, h.1)))
            .collect();
        let lex_pos: HashMap<i64, (usize, f32)> = lexical_hits
            .iter()
            .enumerate()
            .map(|(r, h)| (h.0, (r + 1, h.1)))
            .collect();
        let ranked = fused
            .into_iter()
            .take(limit)
            .map(|(id, score)| Ranked {
                id,
                score,
                similarity: vec_pos.get(&id).map(|p| p.1),
                vector_rank: vec_pos.get(&id).map(|p| p.0),
                lexical_score: lex_pos.get(&id).map(|p| p.1),
                lexical_rank: lex_pos.get(&id).map(|p| p.0),
            })
            .collect();
        times.fusion = Some(fusion_started.elapsed());
        Ok(ranked)
    }

    /// Needs similar to the query; a private need counts only for viewers who belong to
    /// its organisation (`viewer_orgs`, decided by the policy module).
    pub fn similar_needs(
        &self,
        query_vec: &[f32],
        k: usize,
        min_similarity: f32,
        viewer_orgs: &[i64],
    ) -> Vec<(i64, f32)> {
        let cat = self.catalogue.read().expect("catalogue lock");
        let allow = |id: i64| {
            cat.needs.get(&id).is_some_and(|n| {
                n.visibility == Visibility::Public || viewer_orgs.contains(&n.organisation_id)
            })
        };
        self.need_vectors
            .read()
            .expect("vector lock")
            .search(query_vec, k, &allow)
            .into_iter()
            .filter(|h| h.1 >= min_similarity)
            .collect()
    }

    /// Cosine similarity of a query to one indexed solution (for explanations of lexical-only hits).
    pub fn similarity(&self, query_vec: &[f32], solution_id: i64) -> Option<f32> {
        let idx = self.solution_vectors.read().expect("vector lock");
        idx.get(solution_id)
            .map(|v| crate::vector::dot(v, query_vec))
    }
}

fn passes(
    m: &SolutionMeta,
    f: &MatchFilters,
    orgs: &HashMap<i64, (Option<String>, OrganisationKind)>,
) -> bool {
    fn any<T: PartialEq>(allowed: &[T], v: Option<&T>) -> bool {
        allowed.is_empty() || v.is_some_and(|v| allowed.contains(v))
    }
    let provider = m.provider_id.and_then(|id| orgs.get(&id));
    any(&f.kind, Some(&m.kind))
        && any(&f.maturity, Some(&m.maturity))
        && any(&f.reuse_model, m.reuse_model.as_ref())
        && any(&f.costs_model, m.costs_model.as_ref())
        && (f.licence.is_empty()
            || m.licence
                .as_ref()
                .is_some_and(|l| f.licence.iter().any(|x| x.eq_ignore_ascii_case(l))))
        && (f.standard.is_empty()
            || m.standards
                .iter()
                .any(|s| f.standard.iter().any(|x| x.eq_ignore_ascii_case(s))))
        && any(&f.land, provider.and_then(|p| p.0.as_ref()))
        && any(&f.provider_kind, provider.map(|p| &p.1))
}
