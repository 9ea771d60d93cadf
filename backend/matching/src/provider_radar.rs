//! The provider's needs radar ("Bedarfsradar"): the open needs of other organisations,
//! ranked by how close each comes to any of one organisation's provided solutions.
//!
//! Compares the vectors the indexer already stored (needs and solutions are both embedded
//! as passages), so a request never calls the model; an instance without the model ranks
//! by the share of a need's (stemmed) words that a solution's text contains instead.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, IntoCondition};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationDef,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::document::Fields;
use super::engine::is_service;
use super::lexical::{matched_terms, tokens, word_analyzer};
use super::model::{EntryRef, MatchStrength, OrganisationRef, StrengthThresholds};
use super::store::{self as vectors, ItemKind};
use super::MatchError;
use matchraum_catalog::entity::{need, solution};
use matchraum_catalog::model::Solution;
use matchraum_catalog::store::needs::NeedAudience;
use matchraum_catalog::store::{organisations, solutions};
use matchraum_catalog::vocab::{NeedStatus, SolutionKind};
use matchraum_core::similarity::cosine;
use matchraum_core::vocab::Stored;

/// Cosine of a need's and a solution's stored passage vectors from which the radar calls
/// the pair strong or possible (`[matching] radar_strong_similarity`, `_possible_`).
/// Calibrated on the dev set (`radarcal`, README "Bedarfsradar"): the pooled top 10 of
/// every query embedded as a passage reach a precision of 0.2 from 0.928; no threshold
/// reaches 0.5, the best 2.5 % (from 0.937) are relevant 40 % of the time. With e5-small,
/// unrelated administrative texts still score up to ~0.87–0.90.
pub const DEFAULT_RADAR_STRENGTHS: StrengthThresholds = StrengthThresholds {
    strong: 0.94,
    possible: 0.93,
};
/// Newest open needs the radar compares: bounds the work of one request.
pub const MAX_NEEDS: u64 = 2_000;
/// Matched solutions shown per need, best first.
pub const SOLUTIONS_SHOWN: usize = 3;
/// Without vectors: a need must share this many words with a solution to be listed.
const MIN_SHARED_WORDS: usize = 2;

matchraum_core::string_enum!(
    /// How the radar compared needs with solutions.
    RadarRanking {
        /// Cosine of the stored embeddings.
        Semantic => "semantic",
        /// Share of the need's words found in the solution (the instance runs without
        /// the model); every match is then at most "possible".
        Words => "words",
    }
);

/// One of the provider's solutions that a need matches.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RadarSolution {
    pub solution: EntryRef,
    /// Cosine similarity (semantic) or share of the need's words in the solution (words).
    pub score: f32,
    pub strength: MatchStrength,
    /// Words of the need that the solution's text contains too (German stemming).
    pub shared_terms: Vec<String>,
}

/// A need on the radar.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RadarNeed {
    pub id: i64,
    pub title: String,
    pub status: NeedStatus,
    pub organisation: OrganisationRef,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The best of its solutions' scores and strengths.
    pub score: f32,
    pub strength: MatchStrength,
    /// The provider's solutions it matches, best first (at most [`SOLUTIONS_SHOWN`]).
    pub solutions: Vec<RadarSolution>,
}

/// One page of the radar, best match first.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NeedsRadar {
    pub ranking: RadarRanking,
    pub items: Vec<RadarNeed>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

/// What the radar is asked for.
#[derive(Clone, Debug)]
pub struct RadarRequest {
    pub organisation_id: i64,
    /// Only this one of the organisation's solutions.
    pub solution_id: Option<i64>,
    /// Whose needs the caller may see (the needs list's rule, `policy::need_audience`).
    pub audience: NeedAudience,
    /// The model whose stored vectors are compared; `None` compares words.
    pub model: Option<String>,
    pub strengths: StrengthThresholds,
    pub limit: u64,
    pub offset: u64,
}

/// A need with what it is compared by.
struct Candidate {
    need: need::Model,
    vector: Option<Vec<f32>>,
}

/// Scores of one need against the solutions: (solution index, score, strength), best first.
type Scored = (usize, Vec<(usize, f32, MatchStrength)>);

pub async fn needs_radar(
    db: &impl ConnectionTrait,
    req: RadarRequest,
) -> Result<NeedsRadar, MatchError> {
    let provided = provided_solutions(db, req.organisation_id, req.solution_id).await?;
    if req.solution_id.is_some() && provided.is_empty() {
        return Err(MatchError::Invalid {
            field: "solution",
            message: "is not a solution this organisation provides".into(),
        });
    }
    let ranking = match req.model {
        Some(_) => RadarRanking::Semantic,
        None => RadarRanking::Words,
    };
    let (candidates, solution_vectors) = match (&req.model, provided.is_empty()) {
        (_, true) => (Vec::new(), Vec::new()),
        (Some(model), false) => {
            let ids: Vec<i64> = provided.iter().map(|s| s.id).collect();
            let mut by_id: HashMap<i64, Vec<f32>> =
                vectors::load(db, ItemKind::Solution, model, &ids)
                    .await?
                    .into_iter()
                    .map(|s| (s.item_id, s.vector))
                    .collect();
            let solution_vectors = ids.iter().map(|id| by_id.remove(id)).collect();
            (
                candidate_needs(db, &req, Some(model.as_str())).await?,
                solution_vectors,
            )
        }
        (None, false) => (candidate_needs(db, &req, None).await?, Vec::new()),
    };
    let strengths = req.strengths;
    let (candidates, provided, ranked) = tokio::task::spawn_blocking(move || {
        let ranked = match ranking {
            RadarRanking::Semantic => by_vectors(&candidates, &solution_vectors, strengths),
            RadarRanking::Words => by_words(&candidates, &provided),
        };
        (candidates, provided, ranked)
    })
    .await
    .map_err(|e| MatchError::Internal(format!("the radar could not be computed: {e}")))?;

    let total = ranked.len() as u64;
    let page: Vec<&Scored> = ranked
        .iter()
        .skip(usize::try_from(req.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(req.limit).unwrap_or(usize::MAX))
        .collect();
    let org_ids: Vec<i64> = page
        .iter()
        .map(|(i, _)| candidates[*i].need.organisation_id)
        .collect();
    let orgs: HashMap<i64, OrganisationRef> = organisations::get_many(db, &org_ids)
        .await?
        .iter()
        .map(|o| (o.id, super::service::reference(o)))
        .collect();
    let items = page
        .into_iter()
        .filter_map(|(i, matches)| {
            radar_need(&candidates[*i].need, matches, &provided, &orgs).transpose()
        })
        .collect::<Result<Vec<RadarNeed>, MatchError>>()?;
    Ok(NeedsRadar {
        ranking,
        items,
        total,
        limit: req.limit,
        offset: req.offset,
    })
}

/// A need as the radar lists it, with its best `matches` among the `provided` solutions;
/// `None` without a match or without its organisation. A stored status outside the
/// vocabulary is corrupt data, an error rather than a need left out.
fn radar_need(
    n: &need::Model,
    matches: &[(usize, f32, MatchStrength)],
    provided: &[Solution],
    orgs: &HashMap<i64, OrganisationRef>,
) -> Result<Option<RadarNeed>, MatchError> {
    let text = need_text(n);
    let solutions: Vec<RadarSolution> = matches
        .iter()
        .take(SOLUTIONS_SHOWN)
        .map(|(s, score, strength)| RadarSolution {
            solution: EntryRef {
                id: provided[*s].id,
                title: provided[*s].title.clone(),
            },
            score: *score,
            strength: *strength,
            shared_terms: shared_terms(&text, &provided[*s]),
        })
        .collect();
    let Some(best) = solutions.first() else {
        return Ok(None);
    };
    let status = NeedStatus::from_stored(&n.status)?;
    let Some(organisation) = orgs.get(&n.organisation_id) else {
        return Ok(None);
    };
    Ok(Some(RadarNeed {
        id: n.id,
        title: n.title.clone(),
        status,
        organisation: organisation.clone(),
        created_at: n.created_at,
        updated_at: n.updated_at,
        score: best.score,
        strength: best.strength,
        solutions,
    }))
}

/// The organisation's reusable solutions (service descriptions name a concern, nobody
/// provides them for reuse), or only `only` of them.
async fn provided_solutions(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    only: Option<i64>,
) -> Result<Vec<Solution>, MatchError> {
    let services: Vec<&str> = SolutionKind::ALL
        .iter()
        .filter(|k| is_service(**k))
        .map(|k| k.as_str())
        .collect();
    let mut select = solution::Entity::find()
        .filter(solution::Column::ProviderId.eq(organisation_id))
        .filter(solution::Column::Kind.is_not_in(services));
    if let Some(id) = only {
        select = select.filter(solution::Column::Id.eq(id));
    }
    select
        .order_by_asc(solution::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| solutions::to_view(m).map_err(MatchError::from))
        .collect()
}

/// Open needs the caller may see, of other organisations, newest first; with `model`,
/// only those with a stored vector of it, read in the same query.
async fn candidate_needs(
    db: &impl ConnectionTrait,
    req: &RadarRequest,
    model: Option<&str>,
) -> Result<Vec<Candidate>, MatchError> {
    let mut select = need::Entity::find()
        .filter(need::Column::OrganisationId.ne(req.organisation_id))
        .filter(
            need::Column::Status
                .is_in([NeedStatus::Open.as_str(), NeedStatus::InProgress.as_str()]),
        );
    if let Some(visible) = req.audience.condition() {
        select = select.filter(visible);
    }
    let select = select
        .order_by_desc(need::Column::CreatedAt)
        .order_by_desc(need::Column::Id)
        .limit(MAX_NEEDS);
    let Some(model) = model else {
        return Ok(select
            .all(db)
            .await?
            .into_iter()
            .map(|need| Candidate { need, vector: None })
            .collect());
    };
    Ok(select
        .join(JoinType::InnerJoin, need_vector())
        .filter(vectors::entity::Column::Model.eq(model))
        .select_also(vectors::entity::Entity)
        .all(db)
        .await?
        .into_iter()
        .map(|(need, stored)| Candidate {
            need,
            vector: stored.map(|s| vectors::decode(&s.vector)),
        })
        .collect())
}

/// `needs` joined with their stored vectors.
fn need_vector() -> RelationDef {
    need::Entity::belongs_to(vectors::entity::Entity)
        .from(need::Column::Id)
        .to(vectors::entity::Column::ItemId)
        .on_condition(|_, vector| {
            Expr::col((vector, vectors::entity::Column::ItemKind))
                .eq(ItemKind::Need.as_str())
                .into_condition()
        })
        .into()
}

fn need_text(n: &need::Model) -> String {
    format!("{}. {}", n.title, n.description)
}

/// Best first: by the best match's score, then the newer need.
fn ranked(candidates: &[Candidate], mut scored: Vec<Scored>) -> Vec<Scored> {
    for (_, matches) in &mut scored {
        matches.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    scored.sort_by(|(a, am), (b, bm)| {
        bm[0]
            .1
            .total_cmp(&am[0].1)
            .then(
                candidates[*b]
                    .need
                    .created_at
                    .cmp(&candidates[*a].need.created_at),
            )
            .then(candidates[*b].need.id.cmp(&candidates[*a].need.id))
    });
    scored
}

/// Every pair at or above the possible threshold. CPU-bound: needs × solutions dot products.
fn by_vectors(
    candidates: &[Candidate],
    solution_vectors: &[Option<Vec<f32>>],
    strengths: StrengthThresholds,
) -> Vec<Scored> {
    let scored = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let v = c.vector.as_ref()?;
            let matches: Vec<(usize, f32, MatchStrength)> = solution_vectors
                .iter()
                .enumerate()
                .filter_map(|(s, sv)| {
                    let sim = cosine(v, sv.as_ref()?);
                    (sim >= strengths.possible).then(|| (s, sim, strengths.of(sim)))
                })
                .collect();
            (!matches.is_empty()).then_some((i, matches))
        })
        .collect();
    ranked(candidates, scored)
}

/// Pairs sharing at least [`MIN_SHARED_WORDS`] stems, scored by the share of the need's
/// stems the solution contains; never "strong" (words alone do not show a fit).
fn by_words(candidates: &[Candidate], provided: &[Solution]) -> Vec<Scored> {
    let mut analyzer = word_analyzer();
    let mut stems = |text: &str| -> HashSet<String> {
        tokens(&mut analyzer, text)
            .into_iter()
            .map(|t| t.1)
            .collect()
    };
    let solution_stems: Vec<HashSet<String>> = provided
        .iter()
        .map(|s| stems(&Fields::of_solution(s).passage()))
        .collect();
    let scored = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let need = stems(&need_text(&c.need));
            let matches: Vec<(usize, f32, MatchStrength)> = solution_stems
                .iter()
                .enumerate()
                .filter_map(|(s, words)| {
                    let shared = need.intersection(words).count();
                    (shared >= MIN_SHARED_WORDS).then(|| {
                        let share = shared as f32 / need.len() as f32;
                        (s, share, MatchStrength::Possible)
                    })
                })
                .collect();
            (!matches.is_empty()).then_some((i, matches))
        })
        .collect();
    ranked(candidates, scored)
}

/// The need's words found in any field of the solution, each once.
fn shared_terms(need_text: &str, s: &Solution) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, terms) in matched_terms(need_text, &Fields::of_solution(s)) {
        for t in terms {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(&t)) {
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: i64, title: &str, vector: Option<Vec<f32>>) -> Candidate {
        let now = Utc::now();
        Candidate {
            need: need::Model {
                id,
                organisation_id: 1,
                title: title.into(),
                description: String::new(),
                status: "open".into(),
                visibility: "public".into(),
                created_at: now,
                updated_at: now,
            },
            vector,
        }
    }

    const T: StrengthThresholds = StrengthThresholds {
        strong: 0.9,
        possible: 0.5,
    };

    #[test]
    fn needs_rank_by_their_best_solution_and_weak_pairs_drop_out() {
        let c = [
            candidate(1, "a", Some(vec![0.6, 0.8])),
            candidate(2, "b", Some(vec![1.0, 0.0])),
            candidate(3, "c", Some(vec![-1.0, 0.0])),
            candidate(4, "no vector", None),
        ];
        let sols = [Some(vec![1.0, 0.0]), Some(vec![0.0, 1.0]), None];
        let r = by_vectors(&c, &sols, T);
        assert_eq!(r.iter().map(|s| s.0).collect::<Vec<_>>(), vec![1, 0]);
        assert_eq!(r[0].1, vec![(0, 1.0, MatchStrength::Strong)]);
        // Need "a": cos 0.8 to the second solution, 0.6 to the first; both possible.
        let a: Vec<(usize, MatchStrength)> = r[1].1.iter().map(|m| (m.0, m.2)).collect();
        assert_eq!(
            a,
            vec![(1, MatchStrength::Possible), (0, MatchStrength::Possible)]
        );
    }
}
