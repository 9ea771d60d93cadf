//! Answering a match request: validate, embed, rank, then load what the answer shows
//! (solutions, usages, organisations, needs) in a fixed number of queries.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::boost;
use super::document::Fields;
use super::engine::Ranked;
use super::lexical::matched_terms;
use super::model::*;
use super::timing::StageTimes;
use super::{MatchError, Matcher};
use matchraum_catalog::model::{Organisation, Solution};
use matchraum_catalog::store::{needs, organisations, solutions, usages};
use matchraum_catalog::vocab::{UsageVerification, LAENDER};

/// How similar another organisation's need must be to count as a peer.
const NEED_SIMILARITY: f32 = 0.85;

pub fn validate(req: &MatchRequest) -> Result<(), MatchError> {
    let text = req.text.trim();
    if text.is_empty() {
        return Err(MatchError::Invalid {
            field: "text",
            message: "must not be empty".into(),
        });
    }
    let n = text.chars().count();
    if n > MAX_QUERY_CHARS {
        return Err(MatchError::Invalid {
            field: "text",
            message: format!("is {n} characters long, at most {MAX_QUERY_CHARS} are allowed"),
        });
    }
    if req.limit == 0 || req.limit > MAX_LIMIT {
        return Err(MatchError::Invalid {
            field: "limit",
            message: format!("must be between 1 and {MAX_LIMIT}"),
        });
    }
    if let Some(l) = req
        .filters
        .land
        .iter()
        .find(|l| !LAENDER.contains(&l.as_str()))
    {
        return Err(MatchError::Invalid {
            field: "filters.land",
            message: format!(
                "unknown Land '{}', expected one of: {}",
                l.chars().take(64).collect::<String>(),
                LAENDER.join(", ")
            ),
        });
    }
    Ok(())
}

/// The mode that answers `asked` now: while the semantic index is being built, hybrid
/// falls back to lexical (no request waits for the build) and vector is refused.
pub fn effective_mode(asked: Mode, semantic: &SemanticProgress) -> Result<Mode, MatchError> {
    match (asked, semantic.state) {
        (Mode::Vector, SemanticState::Building) => Err(MatchError::SemanticBuilding {
            percent: semantic.percent,
        }),
        (Mode::Hybrid, SemanticState::Building) => Ok(Mode::Lexical),
        (mode, _) => Ok(mode),
    }
}

/// `viewer_orgs`: the organisations whose private needs the caller may see as peers;
/// `client`: who asks (an account or an IP), for fair turns at the embedding model;
/// `stale_cutoff`: verifications older than it are stale (`catalog::freshness::cutoff`).
pub async fn run(
    db: &DatabaseConnection,
    matcher: &Matcher,
    req: &MatchRequest,
    viewer_orgs: &[i64],
    client: &str,
    stale_cutoff: DateTime<Utc>,
) -> Result<MatchResponse, MatchError> {
    let mut times = StageTimes::default();
    run_timed(
        db,
        matcher,
        req,
        viewer_orgs,
        client,
        stale_cutoff,
        &mut times,
    )
    .await
}

/// As [`run`], recording how long each stage took; the explanation stage is everything
/// after the ranking (loading the matched entries, explaining, providers and peers).
pub async fn run_timed(
    db: &DatabaseConnection,
    matcher: &Matcher,
    req: &MatchRequest,
    viewer_orgs: &[i64],
    client: &str,
    stale_cutoff: DateTime<Utc>,
    times: &mut StageTimes,
) -> Result<MatchResponse, MatchError> {
    validate(req)?;
    let text = req.text.trim();
    let semantic = matcher.semantic();
    let mode = effective_mode(req.mode, &semantic)?;
    let query_vec = match mode {
        Mode::Lexical => None,
        _ => {
            let started = Instant::now();
            let v = matcher.embed_query_for(client, text).await?;
            times.embed = Some(started.elapsed());
            Some(v)
        }
    };
    let candidates = matcher.candidates_timed(
        text,
        query_vec.as_deref().map(Vec::as_slice),
        mode,
        &req.filters,
        times,
    )?;
    // Usages of every candidate (one query), for the evidence boost and the explanations;
    // the organisations of the confirmed ones and the seeker's (its first) in one more.
    let candidate_ids = candidates.ids();
    let mut uses = usages::for_solutions(db, &candidate_ids).await?;
    let confirmed_uses = || {
        uses.iter()
            .filter(|u| u.verification == UsageVerification::Confirmed)
    };
    let mut org_ids: Vec<i64> = confirmed_uses().map(|u| u.organisation_id).collect();
    org_ids.extend(viewer_orgs.first());
    let mut orgs = organisations_by_id(db, org_ids).await?;
    let seeker = viewer_orgs
        .first()
        .and_then(|id| orgs.get(id))
        .map(|o| (o.kind, o.land.clone()));
    let seeker = seeker.as_ref().map(|(kind, land)| (*kind, land.as_deref()));
    let confirmed = boost::confirmed(
        confirmed_uses().filter_map(|u| {
            let o = orgs.get(&u.organisation_id)?;
            Some((u.solution_id, o.kind, o.land.as_deref()))
        }),
        seeker,
    );
    let sections = matcher.sections_timed(
        &candidates,
        mode,
        &req.filters,
        req.limit,
        &confirmed,
        times,
    );
    let explaining = Instant::now();
    let mut ids: Vec<i64> = sections
        .solutions
        .iter()
        .chain(&sections.services)
        .map(|r| r.id)
        .collect();
    // Paths name entries that may not be shown themselves.
    let path_ids: Vec<i64> = sections
        .solutions
        .iter()
        .chain(&sections.services)
        .filter_map(|r| r.path.as_ref())
        .flat_map(|p| [p.from, p.ozg_leistung])
        .collect();

    // Entries reached through the graph may not be candidates: their usages come apart.
    uses.retain(|u| ids.contains(&u.solution_id));
    let reached: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| candidate_ids.binary_search(id).is_err())
        .collect();
    if !reached.is_empty() {
        uses.extend(usages::for_solutions(db, &reached).await?);
    }
    ids.extend(path_ids);
    ids.sort_unstable();
    ids.dedup();
    let mut found: HashMap<i64, Solution> = solutions::get_many(db, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let titles: HashMap<i64, String> = found.values().map(|s| (s.id, s.title.clone())).collect();
    let entry = |id: i64| {
        Some(EntryRef {
            id,
            title: titles.get(&id)?.clone(),
        })
    };
    let similar = match &query_vec {
        Some(q) => matcher.similar_needs(q, 10, NEED_SIMILARITY, viewer_orgs),
        None => vec![],
    };
    let need_rows = needs::get_many(db, &similar.iter().map(|n| n.0).collect::<Vec<_>>()).await?;

    let mut org_ids: Vec<i64> = found.values().filter_map(|s| s.provider_id).collect();
    org_ids.extend(viewer_orgs.iter().copied());
    org_ids.extend(uses.iter().map(|u| u.organisation_id));
    org_ids.extend(need_rows.iter().map(|n| n.organisation_id));
    org_ids.retain(|id| !orgs.contains_key(id));
    let more = organisations_by_id(db, org_ids).await?;
    orgs.extend(more);
    let org_ref = |id: i64| orgs.get(&id).map(reference);
    let strengths = (mode == Mode::Hybrid).then(|| matcher.strengths());
    let mut explain = |r: &Ranked| -> Option<SolutionMatch> {
        let s = found.remove(&r.id)?; // deleted since ranking
        let used_by: Vec<UsageRef> = uses
            .iter()
            .filter(|u| u.solution_id == s.id)
            .filter_map(|u| {
                Some(UsageRef {
                    organisation: org_ref(u.organisation_id)?,
                    status: u.status,
                    verification: u.verification,
                    since: u.since,
                    experience: u.experience.clone(),
                })
            })
            .collect();
        let similarity = r
            .similarity
            .or_else(|| query_vec.as_ref().and_then(|q| matcher.similarity(q, s.id)));
        let explanation = Explanation {
            semantic_similarity: similarity,
            lexical_score: r.lexical_score,
            vector_rank: r.vector_rank,
            lexical_rank: r.lexical_rank,
            matched_terms: matched_terms(text, &Fields::of_solution(&s))
                .into_iter()
                .map(|(field, terms)| FieldTerms { field, terms })
                .collect(),
            usage_evidence: req
                .usage_evidence
                .then(|| super::evidence::of(&used_by, seeker))
                .flatten(),
            used_by,
            raised_by_reuse: r.raised,
            path: r.path.as_ref().and_then(|p| {
                Some(GraphPath {
                    from: entry(p.from)?,
                    leika_key: p.leika_key.clone(),
                    ozg_leistung: entry(p.ozg_leistung)?,
                    implementations: p.implementations,
                })
            }),
        };
        Some(SolutionMatch {
            id: s.id,
            source_id: s.source_id,
            title: s.title,
            summary: s.summary,
            kind: s.kind,
            maturity: s.maturity,
            reuse_model: s.reuse_model,
            licence: s.licence,
            costs_model: s.costs_model,
            standards: s.standards,
            hosting: s.hosting,
            provider: s.provider_id.and_then(org_ref),
            contacts: s.contacts,
            documentation_url: s.documentation_url,
            transfer_concept_url: s.transfer_concept_url,
            url: s.url,
            stale: matchraum_catalog::freshness::is_stale(s.last_verified_at, stale_cutoff),
            last_verified_at: s.last_verified_at,
            completeness: s.completeness,
            missing: s.missing,
            score: r.score,
            strength: strengths.zip(r.confidence).map(|(t, c)| match t.of(c) {
                MatchStrength::Strong if r.reached => MatchStrength::Possible,
                st => st,
            }),
            explanation,
        })
    };
    let solutions_out: Vec<SolutionMatch> =
        sections.solutions.iter().filter_map(&mut explain).collect();
    let services_out: Vec<SolutionMatch> =
        sections.services.iter().filter_map(&mut explain).collect();

    // BTreeMap keeps providers and peers in a stable order before sorting by relevance.
    let mut providers: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut peers: BTreeMap<i64, (Vec<i64>, Vec<NeedRef>)> = BTreeMap::new();
    for s in &solutions_out {
        if let Some(p) = &s.provider {
            providers.entry(p.id).or_default().push(s.id);
        }
        for u in &s.explanation.used_by {
            peers.entry(u.organisation.id).or_default().0.push(s.id);
        }
    }
    let need_titles: HashMap<i64, (&str, i64)> = need_rows
        .iter()
        .map(|n| (n.id, (n.title.as_str(), n.organisation_id)))
        .collect();
    for (id, sim) in &similar {
        if let Some((title, org)) = need_titles.get(id) {
            peers.entry(*org).or_default().1.push(NeedRef {
                id: *id,
                title: (*title).to_owned(),
                similarity: *sim,
            });
        }
    }

    let providers = providers
        .into_iter()
        .filter_map(|(id, solution_ids)| {
            Some(ProviderMatch {
                organisation: org_ref(id)?,
                solution_ids,
            })
        })
        .collect();
    let mut peers: Vec<PeerMatch> = peers
        .into_iter()
        .filter_map(|(id, (uses, needs))| {
            Some(PeerMatch {
                organisation: org_ref(id)?,
                uses_solution_ids: uses,
                similar_needs: needs,
            })
        })
        .collect();
    // Peers that use more of the matched solutions, then those with closer needs, first.
    peers.sort_by(|a, b| {
        let best = |p: &PeerMatch| {
            p.similar_needs
                .iter()
                .map(|n| n.similarity)
                .fold(0f32, f32::max)
        };
        b.uses_solution_ids
            .len()
            .cmp(&a.uses_solution_ids.len())
            .then(best(b).total_cmp(&best(a)))
    });
    times.explanation = Some(explaining.elapsed());
    let no_reusable_fit = strengths.is_some()
        && !solutions_out
            .iter()
            .any(|s| s.strength.is_some_and(|st| st != MatchStrength::Weak));
    Ok(MatchResponse {
        mode,
        semantic: semantic.summary(),
        solutions: solutions_out,
        services: services_out,
        no_reusable_fit,
        providers,
        peers,
    })
}

async fn organisations_by_id(
    db: &DatabaseConnection,
    mut ids: Vec<i64>,
) -> Result<HashMap<i64, Organisation>, MatchError> {
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(organisations::get_many(db, &ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

pub(crate) fn reference(o: &Organisation) -> OrganisationRef {
    OrganisationRef {
        id: o.id,
        name: o.name.clone(),
        kind: o.kind,
        land: o.land.clone(),
        website: o.website.clone(),
    }
}
