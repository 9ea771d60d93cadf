use chrono::Utc;
use matchraum_core::vocab::Stored;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder};

use super::{
    contains_ci, delete_row, fetch_page, find_row, from_json_text, insert_new, rows_by_ids,
    save_if_changed, to_json_text, upsert_with, ListParams, Upserted,
};
use crate::entity::organisation::{self, ActiveModel, Column, Entity, Model};
use crate::error::CatalogError;
use crate::model::{Organisation, OrganisationInput, Page};
use crate::validate::{self as v};
use crate::vocab::OrganisationKind;

const KIND: &str = "organisation";

#[derive(Clone, Debug, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub land: Option<String>,
    pub source: Option<String>,
    /// Substring of the name.
    pub q: Option<String>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &OrganisationFilter,
    params: &ListParams,
) -> Result<Page<Organisation>, CatalogError> {
    let mut select = Entity::find();
    if let Some(kind) = filter.kind {
        select = select.filter(Column::Kind.eq(kind.as_str()));
    }
    if let Some(land) = &filter.land {
        select = select.filter(Column::Land.eq(land.as_str()));
    }
    if let Some(source) = &filter.source {
        select = select.filter(Column::Source.eq(source.as_str()));
    }
    if let Some(q) = &filter.q {
        select = select.filter(contains_ci(Column::Name, q));
    }
    let (field, desc) = params.sort_field(&["name", "id", "created_at", "updated_at"], "name")?;
    let col = match field {
        "name" => Column::Name,
        "created_at" => Column::CreatedAt,
        "updated_at" => Column::UpdatedAt,
        _ => Column::Id,
    };
    let order = if desc { Order::Desc } else { Order::Asc };
    select = select
        .order_by(col, order.clone())
        .order_by(Column::Id, order);
    fetch_page(db, select, params, to_view).await
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Organisation, CatalogError> {
    to_view(find(db, id).await?)
}

/// Loads several organisations in one query, in no particular order.
pub async fn get_many(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<Organisation>, CatalogError> {
    rows_by_ids::<Entity>(db, Column::Id, ids)
        .await?
        .into_iter()
        .map(to_view)
        .collect()
}

pub async fn create(
    db: &impl ConnectionTrait,
    input: OrganisationInput,
) -> Result<Organisation, CatalogError> {
    let model = apply(blank(Utc::now()), input)?;
    to_view(insert_new::<ActiveModel, _>(db, model, Column::Id).await?)
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    input: OrganisationInput,
) -> Result<Organisation, CatalogError> {
    let existing = find(db, id).await?;
    let model = apply(existing.clone(), input)?;
    let (saved, _) = save_if_changed::<ActiveModel, _>(db, &existing, model, touch).await?;
    to_view(saved)
}

pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), CatalogError> {
    delete_row::<Entity>(db, id, KIND).await
}

/// Creates or updates the organisation with the same `(source, source_id)`; an identical
/// record changes nothing, so repeated imports are no-ops.
pub async fn upsert_by_source(
    db: &impl ConnectionTrait,
    input: OrganisationInput,
) -> Result<Upserted, CatalogError> {
    let (Some(source), Some(source_id)) = (input.source.as_deref(), input.source_id.as_deref())
    else {
        return Err(CatalogError::invalid(
            "source_id",
            "an import record needs source and source_id",
        ));
    };
    let existing = Entity::find()
        .filter(Column::Source.eq(source))
        .filter(Column::SourceId.eq(source_id))
        .one(db)
        .await?;
    let build = |old: Option<Model>| apply(old.unwrap_or_else(|| blank(Utc::now())), input);
    upsert_with::<ActiveModel, _>(db, existing, Column::Id, build, touch, |m| m.id).await
}

async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Model, CatalogError> {
    find_row::<Entity>(db, id, KIND).await
}

fn touch(m: &mut Model) {
    m.updated_at = Utc::now();
}

fn blank(now: chrono::DateTime<Utc>) -> Model {
    organisation::Model {
        id: 0,
        name: String::new(),
        kind: OrganisationKind::Other.as_str().into(),
        land: None,
        region_code: None,
        website: None,
        email: None,
        description: None,
        source: None,
        source_id: None,
        extra: "{}".into(),
        created_at: now,
        updated_at: now,
    }
}

/// Validates `input` and writes it over `m`, keeping id and timestamps.
fn apply(mut m: Model, input: OrganisationInput) -> Result<Model, CatalogError> {
    let (source, source_id) = v::source_ref(input.source, input.source_id)?;
    m.name = v::text("name", &input.name, v::MAX_NAME)?;
    m.kind = input.kind.as_str().into();
    m.land = v::opt_text("land", input.land, 64)?;
    m.region_code = v::opt_text("region_code", input.region_code, 16)?;
    m.website = v::opt_url("website", input.website)?;
    m.email = v::opt_text("email", input.email, 320)?;
    m.description = v::opt_text("description", input.description, v::MAX_TEXT)?;
    m.source = source;
    m.source_id = source_id;
    m.extra = to_json_text(&v::extra(input.extra)?);
    Ok(m)
}

pub fn to_view(m: Model) -> Result<Organisation, CatalogError> {
    Ok(Organisation {
        kind: Stored::from_stored(&m.kind)?,
        extra: from_json_text("extra", &m.extra)?,
        id: m.id,
        name: m.name,
        land: m.land,
        region_code: m.region_code,
        website: m.website,
        email: m.email,
        description: m.description,
        source: m.source,
        source_id: m.source_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}
