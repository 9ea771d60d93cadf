//! The audit log: security-relevant events (failed logins, role changes, tokens,
//! invitations, deletions), readable by operators. Never holds a secret or a password.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::entity::audit_log::{ActiveModel, Column, Entity, Model};
use matchraum_catalog::model::Page;
use matchraum_core::Error;

/// Appends one event. `target` names what it is about (`user:7`, `solution:12`, an e-mail
/// digest for unknown accounts); `detail` is a small JSON object.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: Option<i64>,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<(), Error> {
    let row = ActiveModel {
        id: NotSet,
        at: Set(Utc::now()),
        actor_id: Set(actor),
        action: Set(action.chars().take(64).collect()),
        target: Set(target.chars().take(300).collect()),
        detail: Set(detail.to_string()),
    };
    row.insert(db).await?;
    tracing::info!(actor, action, target, "audit");
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

fn view(m: Model) -> Result<AuditEntry, Error> {
    let detail = serde_json::from_str(&m.detail)
        .map_err(|e| Error::Corrupt(format!("audit entry {} detail is not JSON: {e}", m.id)))?;
    Ok(AuditEntry {
        id: m.id,
        at: m.at,
        actor_id: m.actor_id,
        action: m.action,
        target: m.target,
        detail,
    })
}

/// Newest first, optionally only one action or one actor.
pub async fn list(
    db: &impl ConnectionTrait,
    action: Option<&str>,
    actor: Option<i64>,
    limit: u64,
    offset: u64,
) -> Result<Page<AuditEntry>, Error> {
    let mut s = Entity::find();
    if let Some(a) = action {
        s = s.filter(Column::Action.eq(a));
    }
    if let Some(a) = actor {
        s = s.filter(Column::ActorId.eq(a));
    }
    let total = s.clone().count(db).await?;
    let rows = s
        .order_by_desc(Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok(Page {
        items: rows.into_iter().map(view).collect::<Result<_, _>>()?,
        total,
        limit,
        offset,
    })
}
