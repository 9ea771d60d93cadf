//! Read marks and unread counts.

use super::*;

/// Moves the caller's read mark forward (never back).
pub async fn mark_read(
    db: &impl ConnectionTrait,
    actor: &Principal,
    channel_id: i64,
    message_id: i64,
) -> R<()> {
    let res = member::Entity::update_many()
        .col_expr(member::Column::LastReadId, Expr::value(message_id))
        .filter(member::Column::ChannelId.eq(channel_id))
        .filter(member::Column::UserId.eq(actor.user_id))
        .filter(member::Column::LastReadId.lt(message_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 && membership(db, channel_id, actor.user_id).await?.is_none() {
        return Err(CommunityError::forbidden("join the channel first"));
    }
    Ok(())
}

/// Unread messages (by others, not deleted) per channel the caller belongs to.
pub async fn unread_counts(db: &DatabaseConnection, actor: &Principal) -> R<Vec<Unread>> {
    let mine = member::Entity::find()
        .filter(member::Column::UserId.eq(actor.user_id))
        .filter(member::Column::Banned.eq(false))
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(mine.len());
    for m in mine {
        let n = message::Entity::find()
            .filter(message::Column::ChannelId.eq(m.channel_id))
            .filter(message::Column::Id.gt(m.last_read_id))
            .filter(message::Column::AuthorId.ne(actor.user_id))
            .filter(message::Column::State.ne("deleted"))
            .count(db)
            .await?;
        out.push(Unread {
            channel_id: m.channel_id,
            unread: n,
            last_read_id: m.last_read_id,
        });
    }
    Ok(out)
}

pub async fn notifications(db: &DatabaseConnection, actor: &Principal) -> R<Vec<Notification>> {
    let rows = notification::Entity::find()
        .filter(notification::Column::UserId.eq(actor.user_id))
        .order_by_desc(notification::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|n| Notification {
            id: n.id,
            kind: n.kind,
            channel_id: n.channel_id,
            message_id: n.message_id,
            created_at: n.created_at,
            read_at: n.read_at,
        })
        .collect())
}
