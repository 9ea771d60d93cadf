use chrono::Utc;
use matchraum_core::vocab::Stored;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
};

use super::{
    delete_row, ensure_organisation, fetch_page, find_row, insert_new, rows_by_ids,
    save_if_changed, ListParams,
};
use crate::entity::need::{ActiveModel, Column, Entity, Model};
use crate::error::CatalogError;
use crate::model::{Need, NeedInput, Page};
use crate::validate::{self as v};
use crate::vocab::{NeedStatus, Visibility};

const KIND: &str = "need";

#[derive(Clone, Debug, Default)]
pub struct NeedFilter {
    pub organisation_id: Option<i64>,
    pub status: Option<NeedStatus>,
    pub visibility: Option<Visibility>,
    /// Whose private needs the caller may see (decided by `auth::policy::need_audience`).
    pub audience: NeedAudience,
}

/// Which needs a list shows: public ones plus the private ones of some organisations, or all.
/// The default shows only public needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NeedAudience {
    Everyone,
    PublicAnd(Vec<i64>),
}

impl NeedAudience {
    /// The rows of `needs` this audience may see (`None`: every row).
    pub fn condition(&self) -> Option<Condition> {
        match self {
            NeedAudience::Everyone => None,
            NeedAudience::PublicAnd(orgs) => Some(
                Condition::any()
                    .add(Column::Visibility.eq(Visibility::Public.as_str()))
                    .add(Column::OrganisationId.is_in(orgs.iter().copied())),
            ),
        }
    }
}

impl Default for NeedAudience {
    fn default() -> Self {
        NeedAudience::PublicAnd(vec![])
    }
}

pub async fn list(
    db: &impl ConnectionTrait,
    f: &NeedFilter,
    params: &ListParams,
) -> Result<Page<Need>, CatalogError> {
    let mut s = Entity::find();
    if let Some(x) = f.organisation_id {
        s = s.filter(Column::OrganisationId.eq(x));
    }
    if let Some(x) = f.status {
        s = s.filter(Column::Status.eq(x.as_str()));
    }
    if let Some(x) = f.visibility {
        s = s.filter(Column::Visibility.eq(x.as_str()));
    }
    if let Some(visible) = f.audience.condition() {
        s = s.filter(visible);
    }
    let (field, desc) =
        params.sort_field(&["id", "title", "created_at", "updated_at"], "-created_at")?;
    let col = match field {
        "title" => Column::Title,
        "created_at" => Column::CreatedAt,
        "updated_at" => Column::UpdatedAt,
        _ => Column::Id,
    };
    let order = if desc { Order::Desc } else { Order::Asc };
    s = s.order_by(col, order.clone()).order_by(Column::Id, order);
    fetch_page(db, s, params, to_view).await
}

/// Every need, for building the search index.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Need>, CatalogError> {
    Entity::find()
        .order_by_asc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_view)
        .collect()
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Need, CatalogError> {
    to_view(find(db, id).await?)
}

pub async fn create(db: &impl ConnectionTrait, input: NeedInput) -> Result<Need, CatalogError> {
    let now = Utc::now();
    let blank = Model {
        id: 0,
        organisation_id: 0,
        title: String::new(),
        description: String::new(),
        status: NeedStatus::Open.as_str().into(),
        visibility: Visibility::Public.as_str().into(),
        created_at: now,
        updated_at: now,
    };
    let model = apply(db, blank, input).await?;
    to_view(insert_new::<ActiveModel, _>(db, model, Column::Id).await?)
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    input: NeedInput,
) -> Result<Need, CatalogError> {
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

async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Model, CatalogError> {
    find_row::<Entity>(db, id, KIND).await
}

async fn apply(
    db: &impl ConnectionTrait,
    mut m: Model,
    i: NeedInput,
) -> Result<Model, CatalogError> {
    ensure_organisation(db, i.organisation_id, "organisation_id").await?;
    m.organisation_id = i.organisation_id;
    m.title = v::text("title", &i.title, v::MAX_TITLE)?;
    m.description = v::text("description", &i.description, v::MAX_TEXT)?;
    m.status = i.status.as_str().into();
    m.visibility = i.visibility.as_str().into();
    Ok(m)
}

fn to_view(m: Model) -> Result<Need, CatalogError> {
    Ok(Need {
        status: Stored::from_stored(&m.status)?,
        visibility: Stored::from_stored(&m.visibility)?,
        id: m.id,
        organisation_id: m.organisation_id,
        title: m.title,
        description: m.description,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Loads several needs in one query, in no particular order.
pub async fn get_many(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<Need>, CatalogError> {
    rows_by_ids::<Entity>(db, Column::Id, ids)
        .await?
        .into_iter()
        .map(to_view)
        .collect()
}
