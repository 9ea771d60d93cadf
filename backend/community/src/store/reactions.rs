//! Reactions on messages.

use super::*;

/// What a reaction call did.
pub struct Reacted {
    pub channel_id: i64,
    /// False when the reaction was already there (or already gone).
    pub changed: bool,
    /// The message's reactions now, `mine` from the caller's view.
    pub counts: Vec<ReactionCount>,
}

/// Adds (`on`) or removes the caller's reaction; idempotent.
pub async fn react(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    emoji: &str,
    on: bool,
) -> R<Reacted> {
    let emoji = emoji.trim();
    if !crate::emoji::is_emoji(emoji) {
        return Err(CommunityError::invalid(
            "emoji",
            "must be one emoji (at most 32 bytes)",
        ));
    }
    let m = message_model(db, id).await?;
    let (_, f) = facts(db, m.channel_id, Some(actor)).await?;
    policy::react(actor, &f, Utc::now())?;
    let exists = reaction::Entity::find_by_id((id, actor.user_id, emoji.to_owned()))
        .one(db)
        .await?
        .is_some();
    if on && !exists {
        reaction::ActiveModel {
            message_id: Set(id),
            user_id: Set(actor.user_id),
            emoji: Set(emoji.to_owned()),
            created_at: Set(Utc::now()),
        }
        .insert(db)
        .await?;
    } else if !on && exists {
        reaction::Entity::delete_by_id((id, actor.user_id, emoji.to_owned()))
            .exec(db)
            .await?;
    }
    let counts = reactions_of(db, &[id], Some(actor.user_id))
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Reacted {
        channel_id: m.channel_id,
        changed: on != exists,
        counts,
    })
}
