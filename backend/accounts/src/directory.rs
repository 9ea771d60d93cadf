//! The account directory operators page through to manage platform roles.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::entity::user::{Column, Entity, Model};
use super::PlatformRole;
use matchraum_catalog::model::Page;
use matchraum_core::sql::contains_ci;
use matchraum_core::vocab::Stored;
use matchraum_core::Error;

/// The most accounts one page holds.
pub const MAX_LIMIT: u64 = 200;

/// One account in the directory (no memberships: a page is one query).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountSummary {
    pub id: i64,
    /// What to call the account: its display name, or its e-mail address when it has none
    /// (the address then appears only here, not a second time in `email`).
    pub name: String,
    /// The e-mail address when `name` is a display name; absent when `name` is the address.
    pub email: Option<String>,
    pub role: PlatformRole,
    pub created_at: DateTime<Utc>,
}

fn summary(m: Model) -> Result<AccountSummary, Error> {
    let role = PlatformRole::from_stored(&m.role)?;
    let (name, email) = match m.display_name.filter(|n| !n.trim().is_empty()) {
        Some(n) => (n, Some(m.email)),
        None => (m.email, None),
    };
    Ok(AccountSummary {
        id: m.id,
        name,
        email,
        role,
        created_at: m.created_at,
    })
}

/// Active accounts by id, optionally those whose address or display name contains `q`
/// (case-insensitive). `limit` must be 1..=[`MAX_LIMIT`].
pub async fn list(
    db: &impl ConnectionTrait,
    q: Option<&str>,
    limit: u64,
    offset: u64,
) -> Result<Page<AccountSummary>, Error> {
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let mut s = Entity::find().filter(Column::DeletedAt.is_null());
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        if q.chars().count() > 200 {
            return Err(Error::invalid("q", "must be at most 200 characters"));
        }
        s = s.filter(
            Condition::any()
                .add(contains_ci(Column::Email, q))
                .add(contains_ci(Column::DisplayName, q)),
        );
    }
    let total = s.clone().count(db).await?;
    let rows = s
        .order_by_asc(Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok(Page {
        items: rows.into_iter().map(summary).collect::<Result<_, _>>()?,
        total,
        limit,
        offset,
    })
}
