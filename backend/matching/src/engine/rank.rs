//! Ranking a query against the indexes: vector, lexical and fused, under the filters.

use super::*;
use crate::boost::{self, Confirmed};

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
        let c = self.candidates(text, query_vec, mode, filters)?;
        Ok(c.rank(mode, &self.fusion, limit))
    }

    /// Fuses `c` (from [`Matcher::candidates_timed`]), lets the evidence of reuse
    /// (`confirmed` usages per solution, see `boost`) reorder it, follows the catalogue's
    /// graph and splits the answer in its two sections: reusable solutions (at most
    /// `limit`) and administrative service descriptions (see [`MatchResponse`]'s
    /// `services`), so that the latter never crowd the former out.
    ///
    /// [`MatchResponse`]: crate::model::MatchResponse
    pub fn sections_timed(
        &self,
        c: &Candidates,
        mode: Mode,
        filters: &MatchFilters,
        limit: usize,
        confirmed: &HashMap<i64, Confirmed>,
        times: &mut StageTimes,
    ) -> Sections {
        let services_only = !filters.kind.is_empty() && filters.kind.iter().all(|k| is_service(*k));
        let services_limit = if services_only {
            limit
        } else {
            limit.min(SERVICES_SHOWN)
        };
        timed(&mut times.fusion, || {
            let cat = self.catalogue.read().expect("catalogue lock");
            let allow = |id: i64| {
                cat.solutions
                    .get(&id)
                    .is_some_and(|m| passes(m, filters, &cat.organisations))
            };
            let ranked = c.rank(mode, &self.fusion, usize::MAX);
            let ranked = self.boosted(ranked, mode, confirmed, &cat.solutions);
            let mut out = Sections::default();
            for r in cat.graph.navigate(ranked, &cat.solutions, &allow) {
                let service = cat.solutions.get(&r.id).is_some_and(|m| is_service(m.kind));
                match service {
                    true if out.services.len() < services_limit => out.services.push(r),
                    false if out.solutions.len() < limit => out.solutions.push(r),
                    _ => {}
                }
                if out.services.len() == services_limit && out.solutions.len() == limit {
                    break;
                }
            }
            out
        })
    }

    /// The fused ranking reordered by the evidence of reuse (unchanged when it is off).
    fn boosted(
        &self,
        ranked: Vec<Ranked>,
        mode: Mode,
        confirmed: &HashMap<i64, Confirmed>,
        metas: &HashMap<i64, SolutionMeta>,
    ) -> Vec<Ranked> {
        let strengths = (mode == Mode::Hybrid).then_some(self.strengths);
        boost::rerank(ranked, self.evidence_boost, strengths, |r| {
            let maturity = metas.get(&r.id).map_or(Maturity::Unknown, |m| m.maturity);
            let confirmed = confirmed.get(&r.id).copied().unwrap_or_default();
            (r.score, boost::evidence(confirmed, maturity), r.confidence)
        })
        .into_iter()
        .enumerate()
        .map(|(at, (was, r))| Ranked {
            raised: at < was,
            ..r
        })
        .collect()
    }

    /// What each method retrieves for a query under the filters, before fusion; the
    /// evaluation fuses one query's candidates in several ways.
    pub fn candidates(
        &self,
        text: &str,
        query_vec: Option<&[f32]>,
        mode: Mode,
        filters: &MatchFilters,
    ) -> Result<Candidates, MatchError> {
        self.candidates_timed(text, query_vec, mode, filters, &mut StageTimes::default())
    }

    /// As [`Matcher::candidates`], recording each stage's time.
    pub fn candidates_timed(
        &self,
        text: &str,
        query_vec: Option<&[f32]>,
        mode: Mode,
        filters: &MatchFilters,
        times: &mut StageTimes,
    ) -> Result<Candidates, MatchError> {
        let cat = self.catalogue.read().expect("catalogue lock");
        let allow = |id: i64| {
            cat.solutions
                .get(&id)
                .is_some_and(|m| passes(m, filters, &cat.organisations))
        };
        let vector = match (mode, query_vec) {
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
        let lexical = match mode {
            Mode::Vector => vec![],
            _ => timed(&mut times.lexical, || {
                self.lexical.search(text, CANDIDATES, &allow)
            })?,
        };
        // The exact cosine of lexical hits outside the vector candidates: cheap (at most
        // `CANDIDATES` dot products) and better evidence for score fusion than a floor.
        let mut similarity_of_lexical = HashMap::new();
        if let (Mode::Hybrid, Some(q)) = (mode, query_vec) {
            let in_vector: HashSet<i64> = vector.iter().map(|h| h.0).collect();
            let idx = self.solution_vectors.read().expect("vector lock");
            for (id, _) in lexical.iter().filter(|h| !in_vector.contains(&h.0)) {
                if let Some(v) = idx.get(*id) {
                    similarity_of_lexical.insert(*id, crate::vector::dot(v, q));
                }
            }
        }
        Ok(Candidates {
            vector,
            lexical,
            similarity_of_lexical,
        })
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

/// Administrative service descriptions shown beside the solutions (unless the kind
/// filter asks for them only).
pub const SERVICES_SHOWN: usize = 5;

/// An administrative service description: it names a concern, nobody reuses it as such.
pub fn is_service(kind: SolutionKind) -> bool {
    matches!(
        kind,
        SolutionKind::OzgLeistung | SolutionKind::LeikaLeistung
    )
}

/// A ranked answer in its two sections, each best first.
#[derive(Clone, Debug, Default)]
pub struct Sections {
    pub solutions: Vec<Ranked>,
    pub services: Vec<Ranked>,
}

/// One query's candidates from each method (id, score; best first).
#[derive(Clone, Debug, Default)]
pub struct Candidates {
    /// Cosine similarity.
    pub vector: Vec<(i64, f32)>,
    /// BM25.
    pub lexical: Vec<(i64, f32)>,
    /// Cosine of the lexical candidates that are not among the vector ones.
    pub similarity_of_lexical: HashMap<i64, f32>,
}

impl Candidates {
    /// Every candidate's id, each once (the solutions whose usages the boost weighs).
    pub fn ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .vector
            .iter()
            .chain(&self.lexical)
            .map(|h| h.0)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The ids and scores `mode` ranks, fused by `fusion` in the hybrid mode; best first.
    pub fn fused(&self, mode: Mode, fusion: &Fusion) -> Vec<(i64, f32)> {
        match mode {
            Mode::Vector => self.vector.clone(),
            Mode::Lexical => self.lexical.clone(),
            Mode::Hybrid => fusion.fuse(&self.vector, &self.lexical, &|id| {
                self.similarity_of_lexical.get(&id).copied()
            }),
        }
    }

    /// Each hybrid candidate's [`STRENGTH_SIGNAL`] score (empty in the other modes: the
    /// strength is calibrated for the hybrid mode only).
    ///
    /// [`STRENGTH_SIGNAL`]: crate::fusion::STRENGTH_SIGNAL
    pub fn confidence(&self, mode: Mode) -> HashMap<i64, f32> {
        match mode {
            Mode::Hybrid => self
                .fused(mode, &crate::fusion::STRENGTH_SIGNAL)
                .into_iter()
                .collect(),
            _ => HashMap::new(),
        }
    }

    /// The best `limit` with the evidence of both methods.
    pub fn rank(&self, mode: Mode, fusion: &Fusion, limit: usize) -> Vec<Ranked> {
        let position = |hits: &[(i64, f32)]| -> HashMap<i64, (usize, f32)> {
            hits.iter()
                .enumerate()
                .map(|(r, h)| (h.0, (r + 1, h.1)))
                .collect()
        };
        let vec_pos = position(&self.vector);
        let lex_pos = position(&self.lexical);
        let confidence = self.confidence(mode);
        self.fused(mode, fusion)
            .into_iter()
            .take(limit)
            .map(|(id, score)| Ranked {
                id,
                score,
                similarity: vec_pos
                    .get(&id)
                    .map(|p| p.1)
                    .or_else(|| self.similarity_of_lexical.get(&id).copied()),
                vector_rank: vec_pos.get(&id).map(|p| p.0),
                lexical_score: lex_pos.get(&id).map(|p| p.1),
                lexical_rank: lex_pos.get(&id).map(|p| p.0),
                confidence: confidence.get(&id).copied(),
                path: None,
                reached: false,
                raised: false,
            })
            .collect()
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
