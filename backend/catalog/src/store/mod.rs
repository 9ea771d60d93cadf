//! Storage of the catalogue: one module per resource, shared list plumbing here.

pub mod experiences;
pub mod freshness;
pub mod needs;
pub mod organisations;
pub mod solutions;
pub mod usages;

use matchraum_core::sql::{contains_ci, escape_like};
use sea_orm::sea_query::{Expr, LikeExpr, SimpleExpr};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QuerySelect, Select};
use serde::de::DeserializeOwned;

use super::error::CatalogError;
use super::model::Page;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;

/// Paging and ordering of a list request.
#[derive(Clone, Debug, Default)]
pub struct ListParams {
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// A field name, `-` in front for descending.
    pub sort: Option<String>,
}

impl ListParams {
    /// The page size asked for, checked against [`MAX_LIMIT`].
    pub fn limit(&self) -> Result<u64, CatalogError> {
        match self.limit.unwrap_or(DEFAULT_LIMIT) {
            0 => Err(CatalogError::invalid("limit", "must be at least 1")),
            n if n > MAX_LIMIT => Err(CatalogError::invalid(
                "limit",
                format!("must be at most {MAX_LIMIT}"),
            )),
            n => Ok(n),
        }
    }

    /// Splits `sort` into a field allowed by `allowed` and a direction.
    fn sort_field<'a>(
        &'a self,
        allowed: &[&str],
        default: &'a str,
    ) -> Result<(&'a str, bool), CatalogError> {
        let raw = self.sort.as_deref().unwrap_or(default);
        let (field, desc) = match raw.strip_prefix('-') {
            Some(f) => (f, true),
            None => (raw, false),
        };
        if !allowed.contains(&field) {
            return Err(CatalogError::invalid(
                "sort",
                format!(
                    "cannot sort by '{}', expected one of: {}",
                    field.chars().take(64).collect::<String>(),
                    allowed.join(", ")
                ),
            ));
        }
        Ok((field, desc))
    }
}

/// Runs a filtered, ordered select as one page plus its total count (two queries).
async fn fetch_page<E, C, T>(
    db: &C,
    select: Select<E>,
    params: &ListParams,
    map: impl Fn(E::Model) -> Result<T, CatalogError>,
) -> Result<Page<T>, CatalogError>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    C: ConnectionTrait,
{
    let limit = params.limit()?;
    let offset = params.offset.unwrap_or(0);
    let total = select.clone().count(db).await?;
    let rows = select.limit(limit).offset(offset).all(db).await?;
    let items = rows.into_iter().map(map).collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

/// Lists are stored as compact JSON text (same bytes on SQLite and PostgreSQL).
pub(crate) fn to_json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialising plain data cannot fail")
}

pub(crate) fn from_json_text<T: DeserializeOwned + Default>(
    field: &str,
    s: &str,
) -> Result<T, CatalogError> {
    serde_json::from_str(s)
        .map_err(|e| CatalogError::Corrupt(format!("column {field} holds invalid JSON: {e}")))
}

/// Matches a JSON-text list column that contains `value` as one element.
fn json_list_contains(col: impl sea_orm::ColumnTrait, value: &str) -> SimpleExpr {
    let needle = escape_like(&to_json_text(&value));
    Expr::col(col).like(LikeExpr::new(format!("%{needle}%")).escape('\\'))
}

/// Outcome of an import upsert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upserted {
    Created(i64),
    Updated(i64),
    Unchanged(i64),
}

impl Upserted {
    pub fn id(self) -> i64 {
        match self {
            Upserted::Created(id) | Upserted::Updated(id) | Upserted::Unchanged(id) => id,
        }
    }
}

type ModelOf<A> = <<A as sea_orm::ActiveModelTrait>::Entity as EntityTrait>::Model;

/// Inserts a fully built model, letting the database assign the id.
async fn insert_new<A, C>(
    db: &C,
    model: ModelOf<A>,
    id: <A::Entity as EntityTrait>::Column,
) -> Result<ModelOf<A>, CatalogError>
where
    A: sea_orm::ActiveModelTrait + sea_orm::ActiveModelBehavior + Send + From<ModelOf<A>>,
    ModelOf<A>: sea_orm::IntoActiveModel<A>,
    C: ConnectionTrait,
{
    let mut am = A::from(model).reset_all();
    am.not_set(id);
    Ok(am.insert(db).await?)
}

/// Writes `new` over `old` when they differ (`touch` stamps `updated_at` first); an
/// identical model writes nothing, which keeps repeated imports free of side effects.
async fn save_if_changed<A, C>(
    db: &C,
    old: &ModelOf<A>,
    mut new: ModelOf<A>,
    touch: impl FnOnce(&mut ModelOf<A>),
) -> Result<(ModelOf<A>, bool), CatalogError>
where
    A: sea_orm::ActiveModelTrait + sea_orm::ActiveModelBehavior + Send + From<ModelOf<A>>,
    ModelOf<A>: sea_orm::IntoActiveModel<A> + PartialEq,
    C: ConnectionTrait,
{
    if &new == old {
        return Ok((new, false));
    }
    touch(&mut new);
    Ok((A::from(new).reset_all().update(db).await?, true))
}

/// The shared upsert step: given the row found by source key (if any), build and save.
async fn upsert_with<A, C>(
    db: &C,
    existing: Option<ModelOf<A>>,
    id: <A::Entity as EntityTrait>::Column,
    build: impl FnOnce(Option<ModelOf<A>>) -> Result<ModelOf<A>, CatalogError>,
    touch: impl FnOnce(&mut ModelOf<A>),
    id_of: impl Fn(&ModelOf<A>) -> i64,
) -> Result<Upserted, CatalogError>
where
    A: sea_orm::ActiveModelTrait + sea_orm::ActiveModelBehavior + Send + From<ModelOf<A>>,
    ModelOf<A>: sea_orm::IntoActiveModel<A> + PartialEq + Clone,
    C: ConnectionTrait,
{
    match existing {
        None => {
            let created = insert_new::<A, C>(db, build(None)?, id).await?;
            Ok(Upserted::Created(id_of(&created)))
        }
        Some(old) => {
            let new = build(Some(old.clone()))?;
            let (saved, changed) = save_if_changed::<A, C>(db, &old, new, touch).await?;
            let id = id_of(&saved);
            Ok(if changed {
                Upserted::Updated(id)
            } else {
                Upserted::Unchanged(id)
            })
        }
    }
}

/// The row with primary key `id`, or `NotFound` naming `kind`.
async fn find_row<E>(
    db: &impl ConnectionTrait,
    id: i64,
    kind: &'static str,
) -> Result<E::Model, CatalogError>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    E::find_by_id(id)
        .one(db)
        .await?
        .ok_or(CatalogError::NotFound { kind, id })
}

/// Deletes the row with primary key `id`, or `NotFound` when there was none.
async fn delete_row<E>(
    db: &impl ConnectionTrait,
    id: i64,
    kind: &'static str,
) -> Result<(), CatalogError>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    match E::delete_by_id(id).exec(db).await?.rows_affected {
        0 => Err(CatalogError::NotFound { kind, id }),
        _ => Ok(()),
    }
}

/// The rows whose `id_col` is one of `ids`, in one query, in no particular order.
async fn rows_by_ids<E>(
    db: &impl ConnectionTrait,
    id_col: E::Column,
    ids: &[i64],
) -> Result<Vec<E::Model>, CatalogError>
where
    E: EntityTrait,
{
    use sea_orm::{ColumnTrait, QueryFilter};
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(E::find()
        .filter(id_col.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// A reference field must point at an existing row: otherwise a validation error on `field`.
async fn ensure_exists<E>(
    db: &impl ConnectionTrait,
    id: i64,
    field: &str,
    kind: &'static str,
) -> Result<(), CatalogError>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    match find_row::<E>(db, id, kind).await {
        Ok(_) => Ok(()),
        Err(CatalogError::NotFound { .. }) => Err(CatalogError::invalid(
            field,
            format!("{kind} {id} does not exist"),
        )),
        Err(e) => Err(e),
    }
}

async fn ensure_organisation(
    db: &impl ConnectionTrait,
    id: i64,
    field: &str,
) -> Result<(), CatalogError> {
    ensure_exists::<crate::entity::organisation::Entity>(db, id, field, "organisation").await
}

async fn ensure_solution(
    db: &impl ConnectionTrait,
    id: i64,
    field: &str,
) -> Result<(), CatalogError> {
    ensure_exists::<crate::entity::solution::Entity>(db, id, field, "solution").await
}

/// A write that the search index must follow (on every instance: it travels on the bus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Changed {
    Solution(i64),
    SolutionDeleted(i64),
    Need(i64),
    NeedDeleted(i64),
    /// Created, updated or deleted: provider filters read its land and kind.
    Organisation(i64),
}
