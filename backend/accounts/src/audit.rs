//! The audit log: security-relevant events (failed logins, role changes, tokens,
//! invitations, deletions), readable by operators. Never holds a secret or a password.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

use std::collections::HashMap;

use super::entity::audit_log::{ActiveModel, Column, Entity, Model};
use super::entity::user;
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
    /// What to call the actor: the display name, or the e-mail address when it has none.
    /// Absent for the system and for deleted accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    pub action: String,
    pub target: String,
    /// For a `user:<id>` target, what to call that account (as `actor_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
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
        actor_name: None,
        action: m.action,
        target: m.target,
        target_name: None,
        detail,
    })
}

/// The account a `user:<id>` target names.
fn target_user(target: &str) -> Option<i64> {
    target.strip_prefix("user:")?.parse().ok()
}

/// Fills in `actor_name` and `target_name` with one query for the page's accounts.
async fn name_accounts(db: &impl ConnectionTrait, items: &mut [AuditEntry]) -> Result<(), Error> {
    let mut ids: Vec<i64> = items
        .iter()
        .flat_map(|e| [e.actor_id, target_user(&e.target)])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    // Only the three columns a name needs, never the whole account row.
    let rows: Vec<(i64, Option<String>, String)> = user::Entity::find()
        .select_only()
        .columns([
            user::Column::Id,
            user::Column::DisplayName,
            user::Column::Email,
        ])
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::DeletedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let names: HashMap<i64, String> = rows
        .into_iter()
        .map(|(id, display_name, email)| {
            let name = display_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or(email);
            (id, name)
        })
        .collect();
    for e in items {
        e.actor_name = e.actor_id.and_then(|id| names.get(&id).cloned());
        e.target_name = target_user(&e.target).and_then(|id| names.get(&id).cloned());
    }
    Ok(())
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
    let mut items: Vec<AuditEntry> = rows.into_iter().map(view).collect::<Result<_, _>>()?;
    name_accounts(db, &mut items).await?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}
