//! Thresholds: "from N letters of intent we start". Set by the target's owner (counting
//! every organisation's interest) or by a bundling organisation for a solution (counting
//! only its accepted clients' interest); reached exactly once (claimed with a conditional
//! update, so concurrent interest changes that all see it reached open one channel, not
//! several).

use chrono::Utc;
use matchraum_accounts::{audit, Principal};
use matchraum_core::vocab::Stored;
use matchraum_core::Error;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::entity::interest;
use crate::entity::threshold::{ActiveModel, Column, Entity, Model};
use crate::model::{InterestLevel, InterestSummary, Target, Threshold, ThresholdInput};

type R<T> = Result<T, Error>;

const MAX_COUNT: u32 = 10_000;

fn on(target: Target) -> sea_orm::Condition {
    match target {
        Target::Solution(id) => sea_orm::Condition::all().add(Column::SolutionId.eq(id)),
        Target::Need(id) => sea_orm::Condition::all().add(Column::NeedId.eq(id)),
    }
}

/// Interest in the target at `level` or above, of the organisations `among` (all: `None`).
fn interests_on(target: Target, level: InterestLevel, among: Counted<'_>) -> sea_orm::Condition {
    let on = match target {
        Target::Solution(id) => interest::Column::SolutionId.eq(id),
        Target::Need(id) => interest::Column::NeedId.eq(id),
    };
    let mut c = sea_orm::Condition::all()
        .add(on)
        .add(interest::Column::Level.is_in(level.at_least()));
    if let Some(orgs) = among {
        c = c.add(interest::Column::OrganisationId.is_in(orgs.iter().copied()));
    }
    c
}

/// Whose interest counts towards a threshold: everybody's (`None`) or only these
/// organisations' (a bundler's clients).
pub type Counted<'a> = Option<&'a [i64]>;

/// The organisations whose interest counts towards `t`: every one for the target owner's
/// threshold, the accepted clients for a bundler's.
pub async fn counted(
    db: &impl ConnectionTrait,
    t: &Model,
    owner: Option<i64>,
) -> R<Option<Vec<i64>>> {
    if owner == Some(t.organisation_id) {
        return Ok(None);
    }
    Ok(Some(
        crate::bundling::accepted_clients(db, t.organisation_id).await?,
    ))
}

fn view(m: Model, owner: Option<i64>, progress: u64) -> R<Threshold> {
    Ok(Threshold {
        id: m.id,
        for_clients: owner != Some(m.organisation_id),
        organisation_id: m.organisation_id,
        solution_id: m.solution_id,
        need_id: m.need_id,
        level: InterestLevel::from_stored(&m.level)?,
        count: u64::try_from(m.count).unwrap_or(0),
        progress,
        set_by: m.set_by,
        created_at: m.created_at,
        reached_at: m.reached_at,
        channel_id: m.channel_id,
    })
}

/// Organisations at `level` or above, from the aggregate.
pub fn progress(summary: &InterestSummary, level: InterestLevel) -> u64 {
    summary
        .by_level
        .iter()
        .filter(|l| l.level >= level)
        .map(|l| l.count)
        .sum()
}

/// Organisations (of `among`) whose interest in the target is at `level` or above,
/// counted now.
pub async fn count_at_least(
    db: &impl ConnectionTrait,
    target: Target,
    level: InterestLevel,
    among: Counted<'_>,
) -> R<u64> {
    Ok(interest::Entity::find()
        .filter(interests_on(target, level, among))
        .count(db)
        .await?)
}

/// Sets (or changes) `organisation_id`'s threshold for the target, audited. A reached
/// threshold stays as it was (`Conflict`).
pub async fn set(
    db: &impl ConnectionTrait,
    actor: &Principal,
    organisation_id: i64,
    target: Target,
    input: ThresholdInput,
) -> R<Model> {
    if input.count == 0 || input.count > MAX_COUNT {
        return Err(Error::invalid(
            "count",
            format!("1 to {MAX_COUNT} organisations"),
        ));
    }
    let existing = Entity::find()
        .filter(on(target))
        .filter(Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?;
    let mut am = match existing {
        Some(m) if m.reached_at.is_some() => {
            return Err(Error::Conflict(
                "the threshold was reached; its community channel is open".into(),
            ))
        }
        Some(m) => m.into_active_model(),
        None => ActiveModel {
            organisation_id: Set(organisation_id),
            solution_id: Set(target.solution_id()),
            need_id: Set(target.need_id()),
            created_at: Set(Utc::now()),
            reached_at: Set(None),
            channel_id: Set(None),
            ..Default::default()
        },
    };
    am.level = Set(input.level.as_str().into());
    am.count = Set(i64::from(input.count));
    am.set_by = Set(actor.user_id);
    let m = am.save(db).await?;
    let m = Entity::find_by_id(m.id.unwrap())
        .one(db)
        .await?
        .ok_or_else(|| Error::Missing("the threshold was removed meanwhile".into()))?;
    audit::record(
        db,
        Some(actor.user_id),
        "threshold.set",
        &target.audit_name(),
        json!({ "organisation": organisation_id, "level": input.level, "count": input.count }),
    )
    .await?;
    Ok(m)
}

/// Removes `organisation_id`'s threshold that has not been reached yet, audited.
pub async fn remove(
    db: &impl ConnectionTrait,
    actor: &Principal,
    organisation_id: i64,
    target: Target,
) -> R<()> {
    let m = Entity::find()
        .filter(on(target))
        .filter(Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?
        .ok_or_else(|| Error::Missing("no threshold is set".into()))?;
    if m.reached_at.is_some() {
        return Err(Error::Conflict(
            "a reached threshold stays: its community channel is open".into(),
        ));
    }
    Entity::delete_by_id(m.id).exec(db).await?;
    audit::record(
        db,
        Some(actor.user_id),
        "threshold.removed",
        &target.audit_name(),
        json!({ "organisation": organisation_id }),
    )
    .await
}

/// Every threshold of the target with its progress: the owner's from the aggregate, a
/// bundler's counted among its clients (one query each).
pub async fn for_target(
    db: &impl ConnectionTrait,
    target: Target,
    owner: Option<i64>,
    summary: &InterestSummary,
) -> R<Vec<Threshold>> {
    let mut out = Vec::new();
    for m in rows(db, target).await? {
        let level = InterestLevel::from_stored(&m.level)?;
        let done = match counted(db, &m, owner).await? {
            None => progress(summary, level),
            Some(clients) => count_at_least(db, target, level, Some(clients.as_slice())).await?,
        };
        out.push(view(m, owner, done)?);
    }
    Ok(out)
}

/// The target's thresholds, stored rows (reached or not).
pub async fn rows(db: &impl ConnectionTrait, target: Target) -> R<Vec<Model>> {
    Ok(Entity::find()
        .filter(on(target))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Marks the threshold reached if nobody did before; true for the one caller that did.
pub async fn claim(db: &impl ConnectionTrait, id: i64) -> R<bool> {
    let res = Entity::update_many()
        .col_expr(Column::ReachedAt, Expr::value(Utc::now()))
        .filter(Column::Id.eq(id))
        .filter(Column::ReachedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records the channel a reached threshold opened.
pub async fn set_channel(db: &impl ConnectionTrait, id: i64, channel_id: i64) -> R<()> {
    Entity::update_many()
        .col_expr(Column::ChannelId, Expr::value(channel_id))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The channel a threshold opened, if it did.
pub async fn channel_of(db: &impl ConnectionTrait, id: i64) -> R<Option<i64>> {
    Ok(Entity::find_by_id(id)
        .one(db)
        .await?
        .and_then(|m| m.channel_id))
}

/// Who (of `among`) signed at `level` or above: (organisation, the account that
/// expressed it).
pub async fn signers(
    db: &impl ConnectionTrait,
    target: Target,
    level: InterestLevel,
    among: Counted<'_>,
) -> R<Vec<(i64, i64)>> {
    Ok(interest::Entity::find()
        .select_only()
        .columns([
            interest::Column::OrganisationId,
            interest::Column::SubmittedBy,
        ])
        .filter(interests_on(target, level, among))
        .order_by_asc(interest::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}
