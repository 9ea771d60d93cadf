use chrono::{DateTime, Months, Utc};
use matchraum_core::vocab::Stored;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{
    delete_row, ensure_organisation, ensure_solution, fetch_page, find_row, insert_new,
    rows_by_ids, save_if_changed, upsert_with, ListParams, Upserted,
};
use crate::entity::usage::{ActiveModel, Column, Entity, Model};
use crate::error::CatalogError;
use crate::model::{Page, Usage, UsageInput};
use crate::validate::{self as v};
use crate::vocab::{UsageOrigin, UsageStatus, UsageVerification};

const KIND: &str = "usage";

#[derive(Clone, Debug, Default)]
pub struct UsageFilter {
    pub solution_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub status: Option<UsageStatus>,
    pub verification: Option<UsageVerification>,
}

/// Who entered a usage: an importer's source or a person's account. Every new usage is
/// `claimed`; only a member of the using organisation makes it a fact ([`decide`]).
#[derive(Clone, Copy, Debug)]
pub struct Claimant {
    pub origin: UsageOrigin,
    pub user_id: Option<i64>,
}

impl Claimant {
    pub const IMPORT: Claimant = Claimant {
        origin: UsageOrigin::Import,
        user_id: None,
    };

    pub fn person(user_id: i64) -> Self {
        Claimant {
            origin: UsageOrigin::Person,
            user_id: Some(user_id),
        }
    }
}

pub async fn list(
    db: &impl ConnectionTrait,
    f: &UsageFilter,
    params: &ListParams,
) -> Result<Page<Usage>, CatalogError> {
    let mut s = Entity::find();
    if let Some(x) = f.solution_id {
        s = s.filter(Column::SolutionId.eq(x));
    }
    if let Some(x) = f.organisation_id {
        s = s.filter(Column::OrganisationId.eq(x));
    }
    if let Some(x) = f.status {
        s = s.filter(Column::Status.eq(x.as_str()));
    }
    if let Some(x) = f.verification {
        s = s.filter(Column::Verification.eq(x.as_str()));
    }
    let (field, desc) = params.sort_field(&["id", "since", "created_at", "updated_at"], "id")?;
    let col = match field {
        "since" => Column::Since,
        "created_at" => Column::CreatedAt,
        "updated_at" => Column::UpdatedAt,
        _ => Column::Id,
    };
    let order = if desc { Order::Desc } else { Order::Asc };
    s = s.order_by(col, order.clone()).order_by(Column::Id, order);
    fetch_page(db, s, params, to_view).await
}

/// The usages of the given solutions, in one query, without those the organisation
/// rejected (a rejected claim is no usage); each says whether it is confirmed.
pub async fn for_solutions(
    db: &impl ConnectionTrait,
    solution_ids: &[i64],
) -> Result<Vec<Usage>, CatalogError> {
    let rows = rows_by_ids::<Entity>(db, Column::SolutionId, solution_ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let u = to_view(row)?;
        if u.verification != UsageVerification::Rejected {
            out.push(u);
        }
    }
    Ok(out)
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Usage, CatalogError> {
    to_view(find(db, id).await?)
}

/// A new usage, `claimed` by `by`.
pub async fn create(
    db: &impl ConnectionTrait,
    input: UsageInput,
    by: Claimant,
) -> Result<Usage, CatalogError> {
    let model = apply(db, blank(by), input).await?;
    to_view(insert_new::<ActiveModel, _>(db, model, Column::Id).await?)
}

/// A member of the using organisation confirms (again) or rejects a usage. A confirmation
/// asks to be renewed after `reconfirm_months`.
pub async fn decide(
    db: &impl ConnectionTrait,
    id: i64,
    verdict: Verdict,
    user_id: i64,
    reconfirm_months: u32,
) -> Result<Usage, CatalogError> {
    let existing = find(db, id).await?;
    let now = Utc::now();
    let mut m = existing.clone();
    m.decided_by = Some(user_id);
    m.decided_at = Some(now);
    match verdict {
        Verdict::Confirm => {
            m.verification = UsageVerification::Confirmed.as_str().into();
            m.reconfirm_due_at = Some(reconfirm_due(now, reconfirm_months));
        }
        Verdict::Reject => {
            m.verification = UsageVerification::Rejected.as_str().into();
            m.reconfirm_due_at = None;
        }
    }
    let (saved, _) =
        save_if_changed::<ActiveModel, _>(db, &existing, m, |m| m.updated_at = now).await?;
    to_view(saved)
}

/// What a member of the using organisation says about a usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Confirm,
    Reject,
}

/// A confirmed usage whose renewal is due at `now` and whose organisation was not asked
/// for this due date yet (a renewal moves the due date past the last request).
fn untold_due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(Column::Verification.eq(UsageVerification::Confirmed.as_str()))
        .add(Column::ReconfirmDueAt.lte(now))
        .add(
            Condition::any()
                .add(Column::ReconfirmNotifiedAt.is_null())
                .add(Expr::col(Column::ReconfirmNotifiedAt).lt(Expr::col(Column::ReconfirmDueAt))),
        )
}

/// A usage to confirm again, and whom to ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueUsage {
    pub id: i64,
    pub solution_id: i64,
    pub organisation_id: i64,
}

/// Up to `limit` usages due for renewal at `now` whose organisation was not asked yet.
pub async fn untold_due_usages(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DueUsage>, CatalogError> {
    let rows: Vec<(i64, i64, i64)> = Entity::find()
        .select_only()
        .columns([Column::Id, Column::SolutionId, Column::OrganisationId])
        .filter(untold_due(now))
        .order_by_asc(Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, solution_id, organisation_id)| DueUsage {
            id,
            solution_id,
            organisation_id,
        })
        .collect())
}

/// Marks the usage's organisation as asked at `now` unless someone did for this due date;
/// true for the one caller that did (as `freshness::claim_stale`, for several replicas).
pub async fn claim_due(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, CatalogError> {
    let res = Entity::update_many()
        .col_expr(Column::ReconfirmNotifiedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(untold_due(now))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

fn reconfirm_due(from: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    from.checked_add_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn blank(by: Claimant) -> Model {
    let now = Utc::now();
    Model {
        id: 0,
        solution_id: 0,
        organisation_id: 0,
        since: None,
        context: None,
        status: UsageStatus::InUse.as_str().into(),
        experience: None,
        verification: UsageVerification::Claimed.as_str().into(),
        origin: by.origin.as_str().into(),
        version: None,
        claimed_by: by.user_id,
        decided_by: None,
        decided_at: None,
        reconfirm_due_at: None,
        reconfirm_notified_at: None,
        created_at: now,
        updated_at: now,
    }
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    input: UsageInput,
) -> Result<Usage, CatalogError> {
    let existing = find(db, id).await?;
    let model = apply(db, existing.clone(), input).await?;
    let (saved, _) =
        save_if_changed::<ActiveModel, _>(db, &existing, model, |m| m.updated_at = Utc::now())
            .await?;
    to_view(saved)
}

pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), CatalogError> {
    delete_row::<Entity>(db, id, KIND).await
}

/// Creates or updates the usage of `input.solution_id` by `input.organisation_id` (one
/// row per pair). On update, `status` is always written, while `since`, `context` and
/// `experience` that are `None` keep what is stored: an importer that only knows
/// "in use" never erases what the organisation reported itself. A new row is `claimed`
/// from the import; an existing row keeps its verification (an import never confirms,
/// and never undoes a confirmation or a rejection). An identical row writes nothing.
pub async fn upsert_pair(
    db: &impl ConnectionTrait,
    input: UsageInput,
) -> Result<Upserted, CatalogError> {
    let existing = Entity::find()
        .filter(Column::SolutionId.eq(input.solution_id))
        .filter(Column::OrganisationId.eq(input.organisation_id))
        .one(db)
        .await?;
    let base = match &existing {
        Some(old) => old.clone(),
        None => blank(Claimant::IMPORT),
    };
    let merged = UsageInput {
        since: input.since.or(base.since),
        context: input.context.or_else(|| base.context.clone()),
        experience: input.experience.or_else(|| base.experience.clone()),
        version: input.version.or_else(|| base.version.clone()),
        ..input
    };
    let model = apply(db, base, merged).await?;
    upsert_with::<ActiveModel, _>(
        db,
        existing,
        Column::Id,
        |_| Ok(model),
        |m| m.updated_at = Utc::now(),
        |m| m.id,
    )
    .await
}

async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Model, CatalogError> {
    find_row::<Entity>(db, id, KIND).await
}

async fn apply(
    db: &impl ConnectionTrait,
    mut m: Model,
    i: UsageInput,
) -> Result<Model, CatalogError> {
    ensure_solution(db, i.solution_id, "solution_id").await?;
    ensure_organisation(db, i.organisation_id, "organisation_id").await?;
    m.solution_id = i.solution_id;
    m.organisation_id = i.organisation_id;
    m.since = i.since;
    m.context = v::opt_text("context", i.context, v::MAX_SUMMARY)?;
    m.status = i.status.as_str().into();
    m.experience = v::opt_text("experience", i.experience, v::MAX_TEXT)?;
    m.version = v::opt_text("version", i.version, 100)?;
    Ok(m)
}

fn to_view(m: Model) -> Result<Usage, CatalogError> {
    let verification = UsageVerification::from_stored(&m.verification)?;
    let confirmation_due = verification == UsageVerification::Confirmed
        && m.reconfirm_due_at.is_some_and(|due| due <= Utc::now());
    Ok(Usage {
        status: Stored::from_stored(&m.status)?,
        verification,
        origin: Stored::from_stored(&m.origin)?,
        version: m.version,
        decided_at: m.decided_at,
        reconfirm_due_at: m.reconfirm_due_at,
        confirmation_due,
        id: m.id,
        solution_id: m.solution_id,
        organisation_id: m.organisation_id,
        since: m.since,
        context: m.context,
        experience: m.experience,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}
