//! Telling providers that their entries went stale: which stale entries' providers were not
//! told in this staleness period, and the conditional update that lets exactly one caller
//! (of several replicas sweeping at once) tell them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entity::solution::{Column, Entity};
use crate::error::CatalogError;

/// Stale at `cutoff`, with a provider, and not told since the last verification (a
/// verification after the last notice starts a new staleness period).
fn untold(cutoff: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(Column::ProviderId.is_not_null())
        .add(
            Condition::any()
                .add(Column::LastVerifiedAt.is_null())
                .add(Column::LastVerifiedAt.lt(cutoff)),
        )
        .add(
            Condition::any()
                .add(Column::StaleNotifiedAt.is_null())
                .add(Expr::col(Column::StaleNotifiedAt).lt(Expr::col(Column::LastVerifiedAt))),
        )
}

/// Up to `limit` stale entries whose provider was not told yet: (solution, provider).
pub async fn untold_stale(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<(i64, i64)>, CatalogError> {
    let rows: Vec<(i64, Option<i64>)> = Entity::find()
        .select_only()
        .columns([Column::Id, Column::ProviderId])
        .filter(untold(cutoff))
        .order_by_asc(Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, provider)| Some((id, provider?)))
        .collect())
}

/// Marks the entry's provider as told at `now` if nobody did in this staleness period;
/// true for the one caller that did. Inside the caller's transaction the row stays locked
/// until it commits, so a concurrent claim re-checks and finds it told.
pub async fn claim_stale(
    db: &impl ConnectionTrait,
    id: i64,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, CatalogError> {
    let res = Entity::update_many()
        .col_expr(Column::StaleNotifiedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(untold(cutoff))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}
