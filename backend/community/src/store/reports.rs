//! Reports of messages and their resolution.

use super::*;

pub async fn report_message(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    reason: String,
) -> R<Report> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(CommunityError::invalid("reason", "1 to 2000 characters"));
    }
    let m = message_model(db, id).await?;
    readable(db, m.channel_id, Some(actor)).await?;
    let r = report::ActiveModel {
        message_id: Set(id),
        channel_id: Set(m.channel_id),
        reporter_id: Set(actor.user_id),
        reason: Set(reason),
        status: Set("open".into()),
        resolved_by: Set(None),
        created_at: Set(Utc::now()),
        resolved_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(report_view(r))
}

pub(super) fn report_view(r: report::Model) -> Report {
    Report {
        id: r.id,
        message_id: r.message_id,
        channel_id: r.channel_id,
        reporter_id: r.reporter_id,
        reason: r.reason,
        status: r.status,
        resolved_by: r.resolved_by,
        created_at: r.created_at,
    }
}

/// The report queue of a channel (moderators), or of every channel (community managers
/// and operators, `channel_id = None`).
pub async fn reports(
    db: &DatabaseConnection,
    actor: &Principal,
    channel_id: Option<i64>,
    status: Option<String>,
) -> R<Vec<Report>> {
    let mut q = report::Entity::find();
    match channel_id {
        Some(c) => {
            let (_, f) = facts(db, c, Some(actor)).await?;
            policy::see_reports(actor, &f)?;
            q = q.filter(report::Column::ChannelId.eq(c));
        }
        None => {
            policy::see_every_report(actor)?;
        }
    }
    q = q.filter(report::Column::Status.eq(status.unwrap_or_else(|| "open".into())));
    let rows = q
        .order_by_asc(report::Column::Id)
        .limit(MAX_PAGE)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(report_view).collect())
}

/// Closes a report: `dismiss` keeps the message, `hide` and `delete` act on it.
pub async fn resolve_report(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    action: ResolveAction,
) -> R<(Report, Option<Message>)> {
    let r = report::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(CommunityError::NotFound { kind: "report", id })?;
    let (_, f) = facts(db, r.channel_id, Some(actor)).await?;
    policy::resolve_report(actor, &f)?;
    let msg = match action {
        ResolveAction::Dismiss => None,
        ResolveAction::Hide => {
            Some(moderate_message(db, actor, r.message_id, ModAction::Hide(true)).await?)
        }
        ResolveAction::Delete => {
            Some(moderate_message(db, actor, r.message_id, ModAction::Delete).await?)
        }
    };
    let mut am = r.into_active_model();
    am.status = Set(if action == ResolveAction::Dismiss {
        "dismissed"
    } else {
        "resolved"
    }
    .into());
    am.resolved_by = Set(Some(actor.user_id));
    am.resolved_at = Set(Some(Utc::now()));
    Ok((report_view(am.update(db).await?), msg))
}
