//! Storage of reuse checks. Every function takes the caller and asks [`policy`] first;
//! candidates are snapshotted from the catalogue when the check is saved, so the record
//! keeps what was shown even when a solution changes or leaves the catalogue later.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, NotSet,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use matchraum_accounts::Principal;
use matchraum_catalog::store::{organisations, solutions, usages};
use matchraum_core::vocab::Stored;
use matchraum_core::Error;

use crate::entity::{candidate, check};
use crate::model::*;
use crate::policy;

type R<T> = Result<T, Error>;

/// Most checks one list answers (newest first).
pub const LIST_LIMIT: u64 = 200;

fn bounded(field: &str, s: &str, min: usize, max: usize) -> R<String> {
    let s = s.trim();
    let n = s.chars().count();
    if n < min || n > max {
        return Err(Error::invalid(field, format!("{min} to {max} characters")));
    }
    Ok(s.to_owned())
}

fn optional_text(field: &str, s: &str, max: usize) -> R<Option<String>> {
    let s = bounded(field, s, 0, max)?;
    Ok((!s.is_empty()).then_some(s))
}

/// The title, or the problem text's first words.
fn title_of(title: Option<&str>, problem: &str) -> R<String> {
    match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => bounded("title", t, 1, MAX_TITLE_CHARS),
        None => {
            let mut t: String = problem.chars().take(80).collect();
            if problem.chars().count() > 80 {
                t.push('…');
            }
            Ok(t)
        }
    }
}

fn validate_filters(v: &serde_json::Value) -> R<String> {
    if !v.is_object() {
        return Err(Error::invalid("filters", "must be a JSON object"));
    }
    let s = v.to_string();
    if s.len() > MAX_FILTER_BYTES {
        return Err(Error::invalid(
            "filters",
            format!("at most {MAX_FILTER_BYTES} bytes"),
        ));
    }
    Ok(s)
}

fn validate_candidates(c: &[CandidateInput]) -> R<()> {
    if c.is_empty() || c.len() > MAX_CANDIDATES {
        return Err(Error::invalid(
            "candidates",
            format!("1 to {MAX_CANDIDATES} candidates"),
        ));
    }
    let mut seen = HashSet::new();
    for x in c {
        if !seen.insert(x.solution_id) {
            return Err(Error::invalid(
                "candidates",
                format!("solution {} is listed twice", x.solution_id),
            ));
        }
        if x.matched_terms.len() > MAX_TERMS
            || x.matched_terms.iter().any(|t| t.chars().count() > 64)
        {
            return Err(Error::invalid(
                "candidates.matched_terms",
                format!("at most {MAX_TERMS} words of at most 64 characters"),
            ));
        }
        let finite = |v: Option<f64>| v.is_none_or(f64::is_finite);
        if !finite(x.score) || !finite(x.similarity) {
            return Err(Error::invalid(
                "candidates.score",
                "must be a finite number",
            ));
        }
    }
    Ok(())
}

/// Saves a search as a new, open check of `input.organisation_id`.
pub async fn create(
    db: &DatabaseConnection,
    p: &Principal,
    input: ReuseCheckInput,
) -> R<ReuseCheck> {
    policy::create(p, input.organisation_id)?;
    let problem = bounded("problem_text", &input.problem_text, 1, MAX_PROBLEM_CHARS)?;
    let title = title_of(input.title.as_deref(), &problem)?;
    let filters = validate_filters(&input.filters)?;
    validate_candidates(&input.candidates)?;
    // The organisation must exist (a member of a deleted organisation gets 404 here).
    organisations::get(db, input.organisation_id).await?;

    let ids: Vec<i64> = input.candidates.iter().map(|c| c.solution_id).collect();
    let found: HashMap<i64, _> = solutions::get_many(db, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    if let Some(missing) = ids.iter().find(|id| !found.contains_key(id)) {
        return Err(Error::invalid(
            "candidates",
            format!("solution {missing} does not exist"),
        ));
    }
    let provider_ids: Vec<i64> = found.values().filter_map(|s| s.provider_id).collect();
    let providers: HashMap<i64, String> = organisations::get_many(db, &provider_ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let mut usage_counts: HashMap<i64, i32> = HashMap::new();
    for u in usages::for_solutions(db, &ids).await? {
        *usage_counts.entry(u.solution_id).or_default() += 1;
    }

    let now = Utc::now();
    let txn = db.begin().await?;
    let row = check::ActiveModel {
        id: NotSet,
        organisation_id: Set(input.organisation_id),
        created_by: Set(Some(p.user_id)),
        title: Set(title),
        problem_text: Set(problem),
        filters: Set(filters),
        outcome_kind: Set(None),
        outcome_solution_id: Set(None),
        outcome_channel_id: Set(None),
        outcome_label: Set(None),
        outcome_reason: Set(None),
        shared_in_radar: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
        closed_by: Set(None),
    }
    .insert(&txn)
    .await?;
    let rows = input.candidates.iter().enumerate().map(|(i, c)| {
        let s = &found[&c.solution_id];
        candidate::ActiveModel {
            id: NotSet,
            check_id: Set(row.id),
            position: Set(i as i32 + 1),
            solution_id: Set(s.id),
            title: Set(s.title.chars().take(500).collect()),
            kind: Set(s.kind.as_str().to_owned()),
            maturity: Set(s.maturity.as_str().to_owned()),
            provider_name: Set(s.provider_id.and_then(|id| providers.get(&id).cloned())),
            usage_count: Set(usage_counts.get(&s.id).copied().unwrap_or(0)),
            score: Set(c.score),
            similarity: Set(c.similarity),
            matched_terms: Set(serde_json::to_string(&c.matched_terms).expect("strings serialise")),
            decision: Set(None),
            reason: Set(None),
        }
    });
    candidate::Entity::insert_many(rows).exec(&txn).await?;
    txn.commit().await?;
    view(db, row).await
}

async fn find(db: &impl ConnectionTrait, id: i64) -> R<check::Model> {
    check::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound {
            kind: "reuse check",
            id,
        })
}

/// One check, with its candidates in the order shown.
pub async fn get(db: &DatabaseConnection, p: &Principal, id: i64) -> R<ReuseCheck> {
    let row = find(db, id).await?;
    policy::read(p, id, row.organisation_id)?;
    view(db, row).await
}

/// The checks of one organisation, newest first.
pub async fn list(
    db: &DatabaseConnection,
    p: &Principal,
    organisation_id: i64,
) -> R<Vec<ReuseCheckSummary>> {
    policy::list(p, organisation_id)?;
    let rows = check::Entity::find()
        .filter(check::Column::OrganisationId.eq(organisation_id))
        .order_by_desc(check::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut counts: HashMap<i64, (u32, u32)> = HashMap::new();
    if !ids.is_empty() {
        let cands = candidate::Entity::find()
            .select_only()
            .column(candidate::Column::CheckId)
            .column(candidate::Column::Decision)
            .filter(candidate::Column::CheckId.is_in(ids))
            .into_tuple::<(i64, Option<String>)>()
            .all(db)
            .await?;
        for (check_id, decision) in cands {
            let e = counts.entry(check_id).or_default();
            e.0 += 1;
            e.1 += u32::from(decision.is_some());
        }
    }
    rows.into_iter()
        .map(|r| {
            let (candidates, decided) = counts.get(&r.id).copied().unwrap_or_default();
            Ok(ReuseCheckSummary {
                id: r.id,
                organisation_id: r.organisation_id,
                title: r.title,
                candidates,
                decided,
                outcome: r
                    .outcome_kind
                    .as_deref()
                    .map(OutcomeKind::from_stored)
                    .transpose()?,
                created_at: r.created_at,
                updated_at: r.updated_at,
                closed_at: r.closed_at,
            })
        })
        .collect()
}

/// Loads check `id` for a change by `p` (404 / 403 / 409 from the policy).
pub async fn editable(db: &impl ConnectionTrait, p: &Principal, id: i64) -> R<check::Model> {
    let row = find(db, id).await?;
    policy::edit(p, id, row.organisation_id, row.closed_at.is_some())?;
    Ok(row)
}

/// Marks check `id` as changed, inside `txn`, if it is still open: the row update orders
/// this change after (or before) a concurrent close, so nothing lands in a closed check.
async fn touch_open(txn: &impl ConnectionTrait, id: i64) -> R<()> {
    let res = check::Entity::update_many()
        .col_expr(check::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(check::Column::Id.eq(id))
        .filter(check::Column::ClosedAt.is_null())
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::Conflict(
            "the reuse check is closed and can no longer be changed".into(),
        ));
    }
    Ok(())
}

/// Records the decision about candidate `solution_id`.
pub async fn decide(
    db: &DatabaseConnection,
    p: &Principal,
    id: i64,
    solution_id: i64,
    input: DecisionInput,
) -> R<ReuseCheck> {
    editable(db, p, id).await?;
    let reason = optional_text("reason", &input.reason, MAX_REASON_CHARS)?;
    let txn = db.begin().await?;
    touch_open(&txn, id).await?;
    let res = candidate::Entity::update_many()
        .col_expr(
            candidate::Column::Decision,
            Expr::value(input.decision.as_str()),
        )
        .col_expr(candidate::Column::Reason, Expr::value(reason))
        .filter(candidate::Column::CheckId.eq(id))
        .filter(candidate::Column::SolutionId.eq(solution_id))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::Missing(format!(
            "solution {solution_id} is not a candidate of reuse check {id}"
        )));
    }
    txn.commit().await?;
    view(db, find(db, id).await?).await
}

/// What an outcome refers to, resolved by the caller of [`update`]: the channel's name
/// for `join_community` (the community is not this crate's to read).
#[derive(Clone, Debug, Default)]
pub struct OutcomeRefs {
    pub channel_name: Option<String>,
}

/// Changes the title or the outcome of an open check.
pub async fn update(
    db: &DatabaseConnection,
    p: &Principal,
    id: i64,
    input: ReuseCheckUpdate,
    refs: OutcomeRefs,
) -> R<ReuseCheck> {
    let row = editable(db, p, id).await?;
    let mut am: check::ActiveModel = row.clone().into();
    if let Some(t) = &input.title {
        am.title = Set(bounded("title", t, 1, MAX_TITLE_CHARS)?);
    }
    if let Some(share) = input.shared_in_radar {
        am.shared_in_radar = Set(share);
    }
    if let Some(o) = &input.outcome {
        let reason = optional_text("outcome.reason", &o.reason, MAX_REASON_CHARS)?;
        let (solution_id, channel_id, label) = match o.kind {
            OutcomeKind::ReuseSolution => {
                let sid = o.solution_id.ok_or_else(|| {
                    Error::invalid("outcome.solution_id", "name the solution to reuse")
                })?;
                let s = solutions::get(db, sid).await.map_err(|_| {
                    Error::invalid(
                        "outcome.solution_id",
                        format!("solution {sid} does not exist"),
                    )
                })?;
                (Some(sid), None, Some(s.title))
            }
            OutcomeKind::JoinCommunity => {
                let cid = o.channel_id.ok_or_else(|| {
                    Error::invalid("outcome.channel_id", "name the community channel to join")
                })?;
                let name = refs.channel_name.clone().ok_or_else(|| {
                    Error::invalid("outcome.channel_id", format!("channel {cid} is unknown"))
                })?;
                (None, Some(cid), Some(name))
            }
            OutcomeKind::BuildNew => {
                if reason.is_none() {
                    return Err(Error::invalid(
                        "outcome.reason",
                        "say why nothing can be reused",
                    ));
                }
                (None, None, None)
            }
        };
        am.outcome_kind = Set(Some(o.kind.as_str().to_owned()));
        am.outcome_solution_id = Set(solution_id);
        am.outcome_channel_id = Set(channel_id);
        am.outcome_label = Set(label);
        am.outcome_reason = Set(reason);
    }
    let txn = db.begin().await?;
    touch_open(&txn, id).await?;
    am.updated_at = Set(Utc::now());
    let row = am.update(&txn).await?;
    txn.commit().await?;
    view(db, row).await
}

/// Closes (freezes) a check: every candidate needs a decision with a reason, and the
/// check an outcome.
pub async fn close(db: &DatabaseConnection, p: &Principal, id: i64) -> R<ReuseCheck> {
    let row = editable(db, p, id).await?;
    let current = view(db, row).await?;
    if current.outcome.is_none() {
        return Err(Error::invalid(
            "outcome",
            "record the outcome before closing",
        ));
    }
    if let Some(c) = current
        .candidates
        .iter()
        .find(|c| c.decision.is_none() || c.reason.is_none())
    {
        return Err(Error::invalid(
            "candidates",
            format!(
                "record a decision with a reason for every candidate (missing: '{}')",
                c.title
            ),
        ));
    }
    let now = Utc::now();
    let res = check::Entity::update_many()
        .col_expr(check::Column::ClosedAt, Expr::value(now))
        .col_expr(check::Column::ClosedBy, Expr::value(p.user_id))
        .col_expr(check::Column::UpdatedAt, Expr::value(now))
        .filter(check::Column::Id.eq(id))
        .filter(check::Column::ClosedAt.is_null())
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::Conflict("the reuse check is already closed".into()));
    }
    view(db, find(db, id).await?).await
}

fn candidate_view(c: candidate::Model) -> R<Candidate> {
    let matched_terms = serde_json::from_str(&c.matched_terms).map_err(|e| {
        Error::Corrupt(format!(
            "candidate {} matched_terms is not a JSON list: {e}",
            c.id
        ))
    })?;
    Ok(Candidate {
        solution_id: c.solution_id,
        position: c.position,
        title: c.title,
        kind: Stored::from_stored(&c.kind)?,
        maturity: Stored::from_stored(&c.maturity)?,
        provider_name: c.provider_name,
        usage_count: c.usage_count,
        score: c.score,
        similarity: c.similarity,
        matched_terms,
        decision: c
            .decision
            .as_deref()
            .map(Decision::from_stored)
            .transpose()?,
        reason: c.reason,
    })
}

async fn view(db: &impl ConnectionTrait, r: check::Model) -> R<ReuseCheck> {
    let candidates = candidate::Entity::find()
        .filter(candidate::Column::CheckId.eq(r.id))
        .order_by_asc(candidate::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(candidate_view)
        .collect::<R<Vec<_>>>()?;
    let organisation_name = organisations::get(db, r.organisation_id).await?.name;
    let filters = serde_json::from_str(&r.filters)
        .map_err(|e| Error::Corrupt(format!("reuse check {} filters: {e}", r.id)))?;
    let outcome = match r.outcome_kind.as_deref() {
        None => None,
        Some(k) => Some(Outcome {
            kind: OutcomeKind::from_stored(k)?,
            solution_id: r.outcome_solution_id,
            channel_id: r.outcome_channel_id,
            label: r.outcome_label,
            reason: r.outcome_reason,
        }),
    };
    Ok(ReuseCheck {
        id: r.id,
        organisation_id: r.organisation_id,
        organisation_name,
        created_by: r.created_by,
        title: r.title,
        problem_text: r.problem_text,
        filters,
        candidates,
        outcome,
        shared_in_radar: r.shared_in_radar,
        created_at: r.created_at,
        updated_at: r.updated_at,
        closed_at: r.closed_at,
        closed_by: r.closed_by,
    })
}
