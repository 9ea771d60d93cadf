use chrono::Utc;
use matchraum_core::vocab::Stored;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder};

use super::{
    delete_row, ensure_organisation, ensure_solution, fetch_page, find_row, insert_new,
    rows_by_ids, save_if_changed, upsert_with, ListParams, Upserted,
};
use crate::entity::usage::{ActiveModel, Column, Entity, Model};
use crate::error::CatalogError;
use crate::model::{Page, Usage, UsageInput};
use crate::validate::{self as v};
use crate::vocab::UsageStatus;

const KIND: &str = "usage";

#[derive(Clone, Debug, Default)]
pub struct UsageFilter {
    pub solution_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub status: Option<UsageStatus>,
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

/// All usages of the given solutions, in one query.
pub async fn for_solutions(
    db: &impl ConnectionTrait,
    solution_ids: &[i64],
) -> Result<Vec<Usage>, CatalogError> {
    rows_by_ids::<Entity>(db, Column::SolutionId, solution_ids)
        .await?
        .into_iter()
        .map(to_view)
        .collect()
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Usage, CatalogError> {
    to_view(find(db, id).await?)
}

pub async fn create(db: &impl ConnectionTrait, input: UsageInput) -> Result<Usage, CatalogError> {
    let now = Utc::now();
    let blank = Model {
        id: 0,
        solution_id: 0,
        organisation_id: 0,
        since: None,
        context: None,
        status: UsageStatus::InUse.as_str().into(),
        experience: None,
        created_at: now,
        updated_at: now,
    };
    let model = apply(db, blank, input).await?;
    to_view(insert_new::<ActiveModel, _>(db, model, Column::Id).await?)
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
/// "in use" never erases what the organisation reported itself. An identical row
/// writes nothing.
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
        None => {
            let now = Utc::now();
            Model {
                id: 0,
                solution_id: 0,
                organisation_id: 0,
                since: None,
                context: None,
                status: UsageStatus::InUse.as_str().into(),
                experience: None,
                created_at: now,
                updated_at: now,
            }
        }
    };
    let merged = UsageInput {
        since: input.since.or(base.since),
        context: input.context.or_else(|| base.context.clone()),
        experience: input.experience.or_else(|| base.experience.clone()),
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
    Ok(m)
}

fn to_view(m: Model) -> Result<Usage, CatalogError> {
    Ok(Usage {
        status: Stored::from_stored(&m.status)?,
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
