//! Answering a match request: validate, embed, rank, then load what the answer shows
//! (solutions, usages, organisations, needs) in a fixed number of queries.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::boost::{self, Confirmed, Seeker};
use super::document::Fields;
use super::engine::{Ranked, Sections};
use super::lexical::matched_terms;
use super::model::*;
use super::timing::StageTimes;
use super::{MatchError, Matcher};
use matchraum_catalog::model::{Need, Organisation, Solution, Usage};
use matchraum_catalog::store::{needs, organisations, solutions, usages};
use matchraum_catalog::vocab::{OrganisationKind, UsageVerification, LAENDER};

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
    let query_vec = embed(matcher, client, text, mode, times).await?;
    let query = query_vec.as_deref().map(Vec::as_slice);
    let candidates = matcher.candidates_timed(text, query, mode, &req.filters, times)?;
    let candidate_ids = candidates.ids();
    let reuse = load_reuse(db, &candidate_ids, viewer_orgs).await?;
    let sections = matcher.sections_timed(
        &candidates,
        mode,
        &req.filters,
        req.limit,
        &reuse.confirmed,
        times,
    );

    let explaining = Instant::now();
    let mut shown = load_shown(
        db,
        matcher,
        &sections,
        &candidate_ids,
        reuse.known,
        query,
        viewer_orgs,
    )
    .await?;
    let strengths = (mode == Mode::Hybrid).then(|| matcher.strengths());
    let explainer = Explainer {
        matcher,
        req,
        text,
        query,
        seeker: reuse
            .seeker
            .as_ref()
            .map(|(kind, land)| (*kind, land.as_deref())),
        strengths,
        stale_cutoff,
        uses: &shown.known.uses,
        orgs: &shown.known.orgs,
        titles: &shown.titles,
    };
    // An entry deleted since the ranking is left out.
    let mut explain = |r: &Ranked| {
        let s = shown.solutions.remove(&r.id)?;
        Some(explainer.solution_match(r, s))
    };
    let solutions_out: Vec<SolutionMatch> =
        sections.solutions.iter().filter_map(&mut explain).collect();
    let services_out: Vec<SolutionMatch> =
        sections.services.iter().filter_map(&mut explain).collect();
    let org_ref = |id: i64| explainer.org_ref(id);
    let providers = providers(&solutions_out, org_ref);
    let peers = peers(&solutions_out, &shown.similar, &shown.needs, org_ref);
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

/// The query's embedding, unless the mode is lexical.
async fn embed(
    matcher: &Matcher,
    client: &str,
    text: &str,
    mode: Mode,
    times: &mut StageTimes,
) -> Result<Option<Arc<Vec<f32>>>, MatchError> {
    if mode == Mode::Lexical {
        return Ok(None);
    }
    let started = Instant::now();
    let v = matcher.embed_query_for(client, text).await?;
    times.embed = Some(started.elapsed());
    Ok(Some(v))
}

/// Usages and the organisations loaded so far.
struct Known {
    uses: Vec<Usage>,
    orgs: HashMap<i64, Organisation>,
}

/// What the evidence boost weighs.
struct Reuse {
    known: Known,
    /// The seeker's organisation (the caller's first): kind and Land.
    seeker: Option<(OrganisationKind, Option<String>)>,
    /// Confirmed usages per candidate.
    confirmed: HashMap<i64, Confirmed>,
}

/// Usages of every candidate (one query), for the evidence boost and the explanations;
/// the organisations of the confirmed ones and the seeker's (its first) in one more.
async fn load_reuse(
    db: &DatabaseConnection,
    candidate_ids: &[i64],
    viewer_orgs: &[i64],
) -> Result<Reuse, MatchError> {
    let uses = usages::for_solutions(db, candidate_ids).await?;
    let confirmed_uses = || {
        uses.iter()
            .filter(|u| u.verification == UsageVerification::Confirmed)
    };
    let mut org_ids: Vec<i64> = confirmed_uses().map(|u| u.organisation_id).collect();
    org_ids.extend(viewer_orgs.first());
    let orgs = organisations_by_id(db, org_ids).await?;
    let seeker = viewer_orgs
        .first()
        .and_then(|id| orgs.get(id))
        .map(|o| (o.kind, o.land.clone()));
    let confirmed = boost::confirmed(
        confirmed_uses().filter_map(|u| {
            let o = orgs.get(&u.organisation_id)?;
            Some((u.solution_id, o.kind, o.land.as_deref()))
        }),
        seeker.as_ref().map(|(kind, land)| (*kind, land.as_deref())),
    );
    Ok(Reuse {
        known: Known { uses, orgs },
        seeker,
        confirmed,
    })
}

/// Everything the answer shows about the ranked entries.
struct Shown {
    /// The shown entries and those their paths name.
    solutions: HashMap<i64, Solution>,
    titles: HashMap<i64, String>,
    /// Usages of the shown entries, and every organisation the answer names.
    known: Known,
    /// Needs similar to the query (id, similarity) and their rows.
    similar: Vec<(i64, f32)>,
    needs: Vec<Need>,
}

/// Loads the shown entries, their usages, the similar needs and every organisation the
/// answer names, in a fixed number of queries (`known` is what the boost loaded already).
async fn load_shown(
    db: &DatabaseConnection,
    matcher: &Matcher,
    sections: &Sections,
    candidate_ids: &[i64],
    known: Known,
    query: Option<&[f32]>,
    viewer_orgs: &[i64],
) -> Result<Shown, MatchError> {
    let ranked = || sections.solutions.iter().chain(&sections.services);
    let mut ids: Vec<i64> = ranked().map(|r| r.id).collect();
    // Paths name entries that may not be shown themselves.
    let path_ids: Vec<i64> = ranked()
        .filter_map(|r| r.path.as_ref())
        .flat_map(|p| [p.from, p.ozg_leistung])
        .collect();

    // Entries reached through the graph may not be candidates: their usages come apart.
    let Known { mut uses, mut orgs } = known;
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
    let solutions: HashMap<i64, Solution> = solutions::get_many(db, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let titles = solutions
        .values()
        .map(|s| (s.id, s.title.clone()))
        .collect();
    let similar = match query {
        Some(q) => matcher.similar_needs(q, 10, NEED_SIMILARITY, viewer_orgs),
        None => vec![],
    };
    let needs = needs::get_many(db, &similar.iter().map(|n| n.0).collect::<Vec<_>>()).await?;

    let mut org_ids: Vec<i64> = solutions.values().filter_map(|s| s.provider_id).collect();
    org_ids.extend(viewer_orgs.iter().copied());
    org_ids.extend(uses.iter().map(|u| u.organisation_id));
    org_ids.extend(needs.iter().map(|n| n.organisation_id));
    org_ids.retain(|id| !orgs.contains_key(id));
    orgs.extend(organisations_by_id(db, org_ids).await?);
    Ok(Shown {
        solutions,
        titles,
        known: Known { uses, orgs },
        similar,
        needs,
    })
}

/// Turns a ranked entry into the match the answer shows, with its explanation.
struct Explainer<'a> {
    matcher: &'a Matcher,
    req: &'a MatchRequest,
    text: &'a str,
    query: Option<&'a [f32]>,
    seeker: Option<Seeker<'a>>,
    /// Set in the hybrid mode, the only one the strength is calibrated for.
    strengths: Option<StrengthThresholds>,
    stale_cutoff: DateTime<Utc>,
    uses: &'a [Usage],
    orgs: &'a HashMap<i64, Organisation>,
    titles: &'a HashMap<i64, String>,
}

impl Explainer<'_> {
    fn org_ref(&self, id: i64) -> Option<OrganisationRef> {
        self.orgs.get(&id).map(reference)
    }

    fn entry(&self, id: i64) -> Option<EntryRef> {
        Some(EntryRef {
            id,
            title: self.titles.get(&id)?.clone(),
        })
    }

    /// The organisations that use the solution (the loaded ones).
    fn used_by(&self, solution_id: i64) -> Vec<UsageRef> {
        self.uses
            .iter()
            .filter(|u| u.solution_id == solution_id)
            .filter_map(|u| {
                Some(UsageRef {
                    organisation: self.org_ref(u.organisation_id)?,
                    status: u.status,
                    verification: u.verification,
                    since: u.since,
                    experience: u.experience.clone(),
                })
            })
            .collect()
    }

    fn explanation(&self, r: &Ranked, s: &Solution) -> Explanation {
        let used_by = self.used_by(s.id);
        let similarity = r
            .similarity
            .or_else(|| self.query.and_then(|q| self.matcher.similarity(q, s.id)));
        Explanation {
            semantic_similarity: similarity,
            lexical_score: r.lexical_score,
            vector_rank: r.vector_rank,
            lexical_rank: r.lexical_rank,
            matched_terms: matched_terms(self.text, &Fields::of_solution(s))
                .into_iter()
                .map(|(field, terms)| FieldTerms { field, terms })
                .collect(),
            usage_evidence: self
                .req
                .usage_evidence
                .then(|| super::evidence::of(&used_by, self.seeker))
                .flatten(),
            used_by,
            raised_by_reuse: r.raised,
            path: r.path.as_ref().and_then(|p| {
                Some(GraphPath {
                    from: self.entry(p.from)?,
                    leika_key: p.leika_key.clone(),
                    ozg_leistung: self.entry(p.ozg_leistung)?,
                    implementations: p.implementations,
                })
            }),
        }
    }

    /// The calibrated strength (hybrid mode); an entry reached through the graph is at
    /// most possible.
    fn strength(&self, r: &Ranked) -> Option<MatchStrength> {
        self.strengths
            .zip(r.confidence)
            .map(|(t, c)| match t.of(c) {
                MatchStrength::Strong if r.reached => MatchStrength::Possible,
                st => st,
            })
    }

    fn solution_match(&self, r: &Ranked, s: Solution) -> SolutionMatch {
        let explanation = self.explanation(r, &s);
        SolutionMatch {
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
            provider: s.provider_id.and_then(|id| self.org_ref(id)),
            contacts: s.contacts,
            documentation_url: s.documentation_url,
            transfer_concept_url: s.transfer_concept_url,
            url: s.url,
            stale: matchraum_catalog::freshness::is_stale(s.last_verified_at, self.stale_cutoff),
            last_verified_at: s.last_verified_at,
            completeness: s.completeness,
            missing: s.missing,
            score: r.score,
            strength: self.strength(r),
            explanation,
        }
    }
}

/// The providers of the matched solutions, in the order of their ids.
fn providers(
    solutions: &[SolutionMatch],
    org_ref: impl Fn(i64) -> Option<OrganisationRef>,
) -> Vec<ProviderMatch> {
    // BTreeMap keeps providers in a stable order.
    let mut providers: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for s in solutions {
        if let Some(p) = &s.provider {
            providers.entry(p.id).or_default().push(s.id);
        }
    }
    providers
        .into_iter()
        .filter_map(|(id, solution_ids)| {
            Some(ProviderMatch {
                organisation: org_ref(id)?,
                solution_ids,
            })
        })
        .collect()
}

/// Organisations that use the matched solutions or posted `similar` needs: those that use
/// more of the solutions, then those with closer needs, first.
fn peers(
    solutions: &[SolutionMatch],
    similar: &[(i64, f32)],
    needs: &[Need],
    org_ref: impl Fn(i64) -> Option<OrganisationRef>,
) -> Vec<PeerMatch> {
    // BTreeMap keeps peers in a stable order before sorting by relevance.
    let mut peers: BTreeMap<i64, (Vec<i64>, Vec<NeedRef>)> = BTreeMap::new();
    for s in solutions {
        for u in &s.explanation.used_by {
            peers.entry(u.organisation.id).or_default().0.push(s.id);
        }
    }
    let need_titles: HashMap<i64, (&str, i64)> = needs
        .iter()
        .map(|n| (n.id, (n.title.as_str(), n.organisation_id)))
        .collect();
    for (id, sim) in similar {
        if let Some((title, org)) = need_titles.get(id) {
            peers.entry(*org).or_default().1.push(NeedRef {
                id: *id,
                title: (*title).to_owned(),
                similarity: *sim,
            });
        }
    }
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
    peers
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
