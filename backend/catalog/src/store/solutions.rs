use chrono::Utc;
use matchraum_core::vocab::Stored;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder};

use super::{
    contains_ci, delete_row, ensure_organisation, fetch_page, find_row, from_json_text, insert_new,
    json_list_contains, rows_by_ids, save_if_changed, to_json_text, upsert_with, ListParams,
    Upserted,
};
use crate::entity::solution::{ActiveModel, Column, Entity, Model};
use crate::error::CatalogError;
use crate::model::{Page, Solution, SolutionInput};
use crate::validate::{self as v};
use crate::vocab::*;

const KIND: &str = "solution";

#[derive(Clone, Debug, Default)]
pub struct SolutionFilter {
    pub kind: Option<SolutionKind>,
    pub maturity: Option<Maturity>,
    pub reuse_model: Option<ReuseModel>,
    pub costs_model: Option<CostsModel>,
    pub licence: Option<String>,
    pub standard: Option<String>,
    pub tag: Option<String>,
    pub themenfeld: Option<String>,
    pub provider_id: Option<i64>,
    pub source: Option<String>,
    /// Substring of the title.
    pub q: Option<String>,
    /// Only stale (`true`) or only fresh (`false`) entries, by `stale_cutoff`.
    pub stale: Option<bool>,
}

/// Solutions read at `cutoff` (see `freshness`): each marked stale or not.
pub fn mark_stale(items: &mut [Solution], cutoff: chrono::DateTime<Utc>) {
    for s in items {
        s.stale = crate::freshness::is_stale(s.last_verified_at, cutoff);
    }
}

impl Solution {
    /// The entry marked stale or not at `cutoff` (see `freshness::cutoff`).
    pub fn marked(mut self, cutoff: chrono::DateTime<Utc>) -> Self {
        mark_stale(std::slice::from_mut(&mut self), cutoff);
        self
    }
}

/// One page of solutions; `stale_cutoff` (see `freshness::cutoff`) marks each and applies
/// the `stale` filter.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &SolutionFilter,
    params: &ListParams,
    stale_cutoff: chrono::DateTime<Utc>,
) -> Result<Page<Solution>, CatalogError> {
    let mut s = Entity::find();
    match f.stale {
        Some(true) => {
            s = s.filter(
                Column::LastVerifiedAt
                    .is_null()
                    .or(Column::LastVerifiedAt.lt(stale_cutoff)),
            )
        }
        Some(false) => s = s.filter(Column::LastVerifiedAt.gte(stale_cutoff)),
        None => {}
    }
    if let Some(x) = f.kind {
        s = s.filter(Column::Kind.eq(x.as_str()));
    }
    if let Some(x) = f.maturity {
        s = s.filter(Column::Maturity.eq(x.as_str()));
    }
    if let Some(x) = f.reuse_model {
        s = s.filter(Column::ReuseModel.eq(x.as_str()));
    }
    if let Some(x) = f.costs_model {
        s = s.filter(Column::CostsModel.eq(x.as_str()));
    }
    if let Some(x) = &f.licence {
        s = s.filter(Column::Licence.eq(x.as_str()));
    }
    if let Some(x) = &f.standard {
        s = s.filter(json_list_contains(Column::Standards, x));
    }
    if let Some(x) = &f.tag {
        s = s.filter(json_list_contains(Column::Tags, x));
    }
    if let Some(x) = &f.themenfeld {
        s = s.filter(Column::Themenfeld.eq(x.as_str()));
    }
    if let Some(x) = f.provider_id {
        s = s.filter(Column::ProviderId.eq(x));
    }
    if let Some(x) = &f.source {
        s = s.filter(Column::Source.eq(x.as_str()));
    }
    if let Some(q) = &f.q {
        s = s.filter(contains_ci(Column::Title, q));
    }
    let allowed = [
        "title",
        "id",
        "created_at",
        "updated_at",
        "completeness",
        "last_verified_at",
    ];
    let (field, desc) = params.sort_field(&allowed, "title")?;
    let col = match field {
        "title" => Column::Title,
        "created_at" => Column::CreatedAt,
        "updated_at" => Column::UpdatedAt,
        "completeness" => Column::Completeness,
        "last_verified_at" => Column::LastVerifiedAt,
        _ => Column::Id,
    };
    let order = if desc { Order::Desc } else { Order::Asc };
    if field == "last_verified_at" {
        // Never verified counts as the oldest, on both databases (NULL sorts differently).
        s = s.order_by(
            Expr::col(Column::LastVerifiedAt).is_null(),
            if desc { Order::Asc } else { Order::Desc },
        );
    }
    s = s.order_by(col, order.clone()).order_by(Column::Id, order);
    let mut page = fetch_page(db, s, params, to_view).await?;
    mark_stale(&mut page.items, stale_cutoff);
    Ok(page)
}

/// Confirms that an entry is still correct: `last_verified_at` becomes `now` (nothing else
/// changes, not even `updated_at`).
pub async fn verify(
    db: &impl ConnectionTrait,
    id: i64,
    now: chrono::DateTime<Utc>,
) -> Result<Solution, CatalogError> {
    let res = Entity::update_many()
        .col_expr(Column::LastVerifiedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(CatalogError::NotFound { kind: KIND, id });
    }
    get(db, id).await
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Solution, CatalogError> {
    to_view(find(db, id).await?)
}

/// Loads several solutions in one query, in no particular order.
pub async fn get_many(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<Solution>, CatalogError> {
    rows_by_ids::<Entity>(db, Column::Id, ids)
        .await?
        .into_iter()
        .map(to_view)
        .collect()
}

/// Every solution, for building the search index.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Solution>, CatalogError> {
    Entity::find()
        .order_by_asc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_view)
        .collect()
}

pub async fn create(
    db: &impl ConnectionTrait,
    input: SolutionInput,
) -> Result<Solution, CatalogError> {
    check_provider(db, &input).await?;
    let model = apply(blank(Utc::now()), input)?;
    to_view(insert_new::<ActiveModel, _>(db, model, Column::Id).await?)
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    input: SolutionInput,
) -> Result<Solution, CatalogError> {
    check_provider(db, &input).await?;
    let existing = find(db, id).await?;
    let model = apply(existing.clone(), input)?;
    let (saved, _) = save_if_changed::<ActiveModel, _>(db, &existing, model, touch).await?;
    to_view(saved)
}

pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), CatalogError> {
    delete_row::<Entity>(db, id, KIND).await
}

/// Creates or updates the solution with the same `(source, source_id)`.
pub async fn upsert_by_source(
    db: &impl ConnectionTrait,
    input: SolutionInput,
) -> Result<Upserted, CatalogError> {
    let (Some(source), Some(source_id)) = (input.source.as_deref(), input.source_id.as_deref())
    else {
        return Err(CatalogError::invalid(
            "source_id",
            "an import record needs source and source_id",
        ));
    };
    check_provider(db, &input).await?;
    let existing = find_by_source(db, source, source_id).await?;
    let build = |old: Option<Model>| apply(old.unwrap_or_else(|| blank(Utc::now())), input);
    upsert_with::<ActiveModel, _>(db, existing, Column::Id, build, touch, |m| m.id).await
}

pub async fn find_by_source(
    db: &impl ConnectionTrait,
    source: &str,
    source_id: &str,
) -> Result<Option<Model>, CatalogError> {
    Ok(Entity::find()
        .filter(Column::Source.eq(source))
        .filter(Column::SourceId.eq(source_id))
        .one(db)
        .await?)
}

async fn check_provider(
    db: &impl ConnectionTrait,
    input: &SolutionInput,
) -> Result<(), CatalogError> {
    match input.provider_id {
        Some(id) => ensure_organisation(db, id, "provider_id").await,
        None => Ok(()),
    }
}

async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Model, CatalogError> {
    find_row::<Entity>(db, id, KIND).await
}

fn touch(m: &mut Model) {
    m.updated_at = Utc::now();
}

/// An empty row (kind `other`, maturity `unknown`, empty lists) to fill in.
pub(crate) fn blank(now: chrono::DateTime<Utc>) -> Model {
    Model {
        id: 0,
        title: String::new(),
        summary: None,
        description: None,
        kind: SolutionKind::Other.as_str().into(),
        maturity: Maturity::Unknown.as_str().into(),
        reuse_model: None,
        licence: None,
        costs_model: None,
        standards: "[]".into(),
        hosting: None,
        ozg_ids: "[]".into(),
        leika_keys: "[]".into(),
        themenfeld: None,
        lebenslage: None,
        tags: "[]".into(),
        languages: "[]".into(),
        url: None,
        code_url: None,
        documentation_url: None,
        transfer_concept_url: None,
        provider_id: None,
        contacts: "[]".into(),
        last_verified_at: None,
        stale_notified_at: None,
        completeness: 0.0,
        source: None,
        source_id: None,
        extra: "{}".into(),
        created_at: now,
        updated_at: now,
    }
}

/// Validates `input` and writes it over `m`, keeping id and timestamps.
fn apply(mut m: Model, i: SolutionInput) -> Result<Model, CatalogError> {
    let (source, source_id) = v::source_ref(i.source, i.source_id)?;
    if i.contacts.len() > 50 {
        return Err(CatalogError::invalid(
            "contacts",
            "has more than 50 entries",
        ));
    }
    for c in &i.contacts {
        for (field, value) in [
            ("contacts.name", &c.name),
            ("contacts.email", &c.email),
            ("contacts.phone", &c.phone),
            ("contacts.role", &c.role),
        ] {
            v::opt_text(field, value.clone(), v::MAX_SHORT)?;
        }
    }
    m.title = v::text("title", &i.title, v::MAX_TITLE)?;
    m.summary = v::opt_text("summary", i.summary, v::MAX_SUMMARY)?;
    m.description = v::opt_text("description", i.description, v::MAX_TEXT)?;
    m.kind = i.kind.as_str().into();
    m.maturity = i.maturity.as_str().into();
    m.reuse_model = i.reuse_model.map(|x| x.as_str().into());
    m.licence = v::opt_text("licence", i.licence, v::MAX_SHORT)?;
    m.costs_model = i.costs_model.map(|x| x.as_str().into());
    m.standards = to_json_text(&v::list("standards", i.standards)?);
    m.hosting = v::opt_text("hosting", i.hosting, v::MAX_SHORT)?;
    m.ozg_ids = to_json_text(&v::list("ozg_ids", i.ozg_ids)?);
    m.leika_keys = to_json_text(&v::list("leika_keys", i.leika_keys)?);
    m.themenfeld = v::opt_text("themenfeld", i.themenfeld, v::MAX_SHORT)?;
    m.lebenslage = v::opt_text("lebenslage", i.lebenslage, v::MAX_SHORT)?;
    m.tags = to_json_text(&v::list("tags", i.tags)?);
    m.languages = to_json_text(&v::list("languages", i.languages)?);
    m.url = v::opt_url("url", i.url)?;
    m.code_url = v::opt_url("code_url", i.code_url)?;
    m.documentation_url = v::opt_url("documentation_url", i.documentation_url)?;
    m.transfer_concept_url = v::opt_url("transfer_concept_url", i.transfer_concept_url)?;
    m.provider_id = i.provider_id;
    m.contacts = to_json_text(&i.contacts);
    m.last_verified_at = i.last_verified_at;
    m.source = source;
    m.source_id = source_id;
    m.extra = to_json_text(&v::extra(i.extra)?);
    m.completeness = crate::requirements::completeness(&m);
    Ok(m)
}

/// Brings every stored completeness score in line with the current minimum requirements
/// (run at start-up: a change of `requirements::REQUIREMENTS` re-scores the catalogue
/// without touching `updated_at`). Returns how many entries changed.
pub async fn refresh_completeness<C>(db: &C) -> Result<u64, CatalogError>
where
    C: ConnectionTrait + sea_orm::TransactionTrait,
{
    let rows = Entity::find().all(db).await?;
    let changed: Vec<(i64, f64)> = rows
        .iter()
        .filter_map(|m| {
            let c = crate::requirements::completeness(m);
            ((c - m.completeness).abs() > f64::EPSILON).then_some((m.id, c))
        })
        .collect();
    if changed.is_empty() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    for (id, c) in &changed {
        Entity::update_many()
            .col_expr(Column::Completeness, sea_orm::sea_query::Expr::value(*c))
            .filter(Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(changed.len() as u64)
}

pub fn to_view(m: Model) -> Result<Solution, CatalogError> {
    let missing = crate::requirements::missing(&m);
    Ok(Solution {
        missing,
        // Depends on the configured months: the caller that shows the entry marks it with
        // the cutoff it took once for its request (`mark_stale`, `Solution::marked`).
        stale: false,
        kind: Stored::from_stored(&m.kind)?,
        maturity: Stored::from_stored(&m.maturity)?,
        reuse_model: m
            .reuse_model
            .as_deref()
            .map(Stored::from_stored)
            .transpose()?,
        costs_model: m
            .costs_model
            .as_deref()
            .map(Stored::from_stored)
            .transpose()?,
        standards: from_json_text("standards", &m.standards)?,
        ozg_ids: from_json_text("ozg_ids", &m.ozg_ids)?,
        leika_keys: from_json_text("leika_keys", &m.leika_keys)?,
        tags: from_json_text("tags", &m.tags)?,
        languages: from_json_text("languages", &m.languages)?,
        contacts: from_json_text("contacts", &m.contacts)?,
        extra: from_json_text("extra", &m.extra)?,
        id: m.id,
        title: m.title,
        summary: m.summary,
        description: m.description,
        licence: m.licence,
        hosting: m.hosting,
        themenfeld: m.themenfeld,
        lebenslage: m.lebenslage,
        url: m.url,
        code_url: m.code_url,
        documentation_url: m.documentation_url,
        transfer_concept_url: m.transfer_concept_url,
        provider_id: m.provider_id,
        last_verified_at: m.last_verified_at,
        completeness: m.completeness,
        source: m.source,
        source_id: m.source_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}
