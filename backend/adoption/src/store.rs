//! Storing interests: one per organisation and target, audited in the caller's
//! transaction, and the aggregates that the public sees.

use std::collections::HashMap;

use chrono::Utc;
use matchraum_accounts::{audit, policy as account_policy, Principal};
use matchraum_catalog::entity::organisation;
use matchraum_catalog::store::{needs, organisations, solutions};
use matchraum_catalog::vocab::OrganisationKind;
use matchraum_core::vocab::Stored;
use matchraum_core::Error;
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::entity::interest::{ActiveModel, Column, Entity, Model};
use crate::model::{
    Interest, InterestInput, InterestLevel, InterestSummary, KindCount, LevelCount, NamedInterest,
    SizeUnit, Target,
};

type R<T> = Result<T, Error>;

const MAX_COMMENT_CHARS: usize = 2000;
const MAX_SIZE: f64 = 1e9;

/// The organisation that owns the target (a solution's provider, a need's organisation);
/// `NotFound` for a missing target and for a need the caller may not see.
pub async fn owner(
    db: &impl ConnectionTrait,
    p: Option<&Principal>,
    target: Target,
) -> R<Option<i64>> {
    match target {
        Target::Solution(id) => Ok(solutions::get(db, id).await?.provider_id),
        Target::Need(id) => {
            let need = needs::get(db, id).await?;
            account_policy::view_need(p, &need)?;
            Ok(Some(need.organisation_id))
        }
    }
}

fn on(target: Target) -> Condition {
    match target {
        Target::Solution(id) => Condition::all().add(Column::SolutionId.eq(id)),
        Target::Need(id) => Condition::all().add(Column::NeedId.eq(id)),
    }
}

pub fn view(m: Model) -> R<Interest> {
    Ok(Interest {
        id: m.id,
        organisation_id: m.organisation_id,
        solution_id: m.solution_id,
        need_id: m.need_id,
        level: InterestLevel::from_stored(&m.level)?,
        planned_start: m.planned_start,
        expected_size: m.expected_size,
        size_unit: m
            .size_unit
            .as_deref()
            .map(SizeUnit::from_stored)
            .transpose()?,
        comment: m.comment,
        submitted_by: m.submitted_by,
        bundled_by: m.bundled_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn validate(input: &InterestInput) -> R<()> {
    if input.comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(Error::invalid(
            "comment",
            format!("at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    match (input.expected_size, input.size_unit) {
        (Some(n), Some(_)) if !(n.is_finite() && n > 0.0 && n <= MAX_SIZE) => Err(Error::invalid(
            "expected_size",
            "a positive number up to one billion",
        )),
        (Some(_), None) => Err(Error::invalid(
            "size_unit",
            "say what the expected size counts (e.g. inhabitants)",
        )),
        (None, Some(_)) => Err(Error::invalid(
            "expected_size",
            "a unit needs a number (or leave both out)",
        )),
        _ => Ok(()),
    }
}

/// What [`save`] did.
#[derive(Clone, Debug)]
pub struct Saved {
    pub interest: Interest,
    /// True when the organisation had no interest in the target before.
    pub created: bool,
    /// The level before a change (`None` when created).
    pub previous_level: Option<InterestLevel>,
}

/// Sets or changes `organisation_id`'s interest in the target (checked by the caller with
/// `policy::express`), with `bundled_by` when a bundler submits it, and audits it. Run it
/// in a transaction that also records the notices.
pub async fn save(
    db: &impl ConnectionTrait,
    actor: &Principal,
    organisation_id: i64,
    target: Target,
    owner: Option<i64>,
    input: InterestInput,
    bundled_by: Option<i64>,
) -> R<Saved> {
    validate(&input)?;
    if owner == Some(organisation_id) {
        return Err(Error::invalid(
            "organisation",
            format!(
                "an organisation does not express interest in its own {}",
                target.kind()
            ),
        ));
    }
    let now = Utc::now();
    let existing = Entity::find()
        .filter(on(target))
        .filter(Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?;
    let previous_level = existing
        .as_ref()
        .map(|m| InterestLevel::from_stored(&m.level))
        .transpose()?;
    let created = existing.is_none();
    let mut am = match existing {
        Some(m) => m.into_active_model(),
        None => ActiveModel {
            organisation_id: Set(organisation_id),
            solution_id: Set(target.solution_id()),
            need_id: Set(target.need_id()),
            created_at: Set(now),
            ..Default::default()
        },
    };
    am.level = Set(input.level.as_str().into());
    am.planned_start = Set(input.planned_start);
    am.expected_size = Set(input.expected_size);
    am.size_unit = Set(input.size_unit.map(|u| u.as_str().to_owned()));
    am.comment = Set(input.comment.trim().to_owned());
    am.submitted_by = Set(actor.user_id);
    am.bundled_by = Set(bundled_by);
    am.updated_at = Set(now);
    let m = if created {
        am.insert(db).await?
    } else {
        am.update(db).await?
    };
    let interest = view(m)?;
    audit::record(
        db,
        Some(actor.user_id),
        if created {
            "interest.expressed"
        } else {
            "interest.changed"
        },
        &target.audit_name(),
        json!({
            "organisation": organisation_id,
            "level": interest.level,
            "before": previous_level,
            "bundled_by": bundled_by,
        }),
    )
    .await?;
    Ok(Saved {
        interest,
        created,
        previous_level,
    })
}

/// Withdraws the organisation's interest (audited); `Missing` when it has none.
pub async fn withdraw(
    db: &impl ConnectionTrait,
    actor: &Principal,
    organisation_id: i64,
    target: Target,
) -> R<Interest> {
    let interest = view(find_own(db, organisation_id, target).await?)?;
    Entity::delete_by_id(interest.id).exec(db).await?;
    audit::record(
        db,
        Some(actor.user_id),
        "interest.withdrawn",
        &target.audit_name(),
        json!({ "organisation": organisation_id, "level": interest.level }),
    )
    .await?;
    Ok(interest)
}

fn no_interest(organisation_id: i64, target: Target) -> Error {
    Error::Missing(format!(
        "organisation {organisation_id} has expressed no interest in {} {}",
        target.kind(),
        target.id()
    ))
}

/// The organisation's interest in the target; `Missing` when it has none.
pub async fn own(db: &impl ConnectionTrait, organisation_id: i64, target: Target) -> R<Interest> {
    view(find_own(db, organisation_id, target).await?)
}

async fn find_own(db: &impl ConnectionTrait, organisation_id: i64, target: Target) -> R<Model> {
    Entity::find()
        .filter(on(target))
        .filter(Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?
        .ok_or_else(|| no_interest(organisation_id, target))
}

/// The interests of these organisations in the target.
pub async fn of_organisations(
    db: &impl ConnectionTrait,
    organisation_ids: &[i64],
    target: Target,
) -> R<Vec<Interest>> {
    if organisation_ids.is_empty() {
        return Ok(Vec::new());
    }
    Entity::find()
        .filter(on(target))
        .filter(Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .order_by_asc(Column::OrganisationId)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

#[derive(FromQueryResult)]
struct LevelKind {
    level: String,
    kind: String,
    n: i64,
}

/// Organisations per (level, organisation kind) for the target: one grouped query.
async fn level_kind_counts(
    db: &impl ConnectionTrait,
    target: Target,
) -> R<Vec<(InterestLevel, OrganisationKind, u64)>> {
    let target_col = match target {
        Target::Solution(_) => Column::SolutionId,
        Target::Need(_) => Column::NeedId,
    };
    let q = Query::select()
        .expr_as(Expr::col((Entity, Column::Level)), "level")
        .expr_as(
            Expr::col((organisation::Entity, organisation::Column::Kind)),
            "kind",
        )
        .expr_as(Func::count(Expr::col((Entity, Column::Id))), "n")
        .from(Entity)
        .inner_join(
            organisation::Entity,
            Expr::col((organisation::Entity, organisation::Column::Id))
                .equals((Entity, Column::OrganisationId)),
        )
        .and_where(Expr::col((Entity, target_col)).eq(target.id()))
        .group_by_col((Entity, Column::Level))
        .group_by_col((organisation::Entity, organisation::Column::Kind))
        .to_owned();
    let stmt = db.get_database_backend().build(&q);
    LevelKind::find_by_statement(stmt)
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            Ok((
                InterestLevel::from_stored(&r.level)?,
                OrganisationKind::from_stored(&r.kind)?,
                u64::try_from(r.n).unwrap_or(0),
            ))
        })
        .collect()
}

/// The public aggregate of the target's interests.
pub async fn summary(db: &impl ConnectionTrait, target: Target) -> R<InterestSummary> {
    let rows = level_kind_counts(db, target).await?;
    let mut per_level: HashMap<InterestLevel, u64> = HashMap::new();
    let mut per_kind: HashMap<OrganisationKind, u64> = HashMap::new();
    for (level, kind, n) in &rows {
        *per_level.entry(*level).or_default() += n;
        *per_kind.entry(*kind).or_default() += n;
    }
    let mut by_kind: Vec<KindCount> = per_kind
        .into_iter()
        .map(|(kind, count)| KindCount { kind, count })
        .collect();
    by_kind.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.kind.as_str().cmp(b.kind.as_str()))
    });
    Ok(InterestSummary {
        organisations: rows.iter().map(|r| r.2).sum(),
        by_level: InterestLevel::ALL
            .iter()
            .map(|l| LevelCount {
                level: *l,
                count: per_level.get(l).copied().unwrap_or(0),
            })
            .collect(),
        by_kind,
    })
}

/// Every interest in the target with its organisation's name, strongest level first
/// (for the owner's members; decided by `policy::sees_names`).
pub async fn named(db: &impl ConnectionTrait, target: Target) -> R<Vec<NamedInterest>> {
    let interests: Vec<Interest> = Entity::find()
        .filter(on(target))
        .order_by_asc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect::<R<_>>()?;
    let ids: Vec<i64> = interests.iter().map(|i| i.organisation_id).collect();
    let orgs: HashMap<i64, _> = organisations::get_many(db, &ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut out: Vec<NamedInterest> = interests
        .into_iter()
        .filter_map(|interest| {
            let o = orgs.get(&interest.organisation_id)?;
            Some(NamedInterest {
                organisation_name: o.name.clone(),
                organisation_kind: o.kind,
                interest,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.interest
            .level
            .cmp(&a.interest.level)
            .then(a.organisation_name.cmp(&b.organisation_name))
    });
    Ok(out)
}
