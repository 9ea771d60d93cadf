//! Community writes that the channel's subscribers see at once.

use crate::auth::Principal;
use crate::community::model::{Message, MessageInput};
use crate::community::store::{self, ModAction, Posted, Reacted};
use crate::community::CommunityError;
use crate::state::AppState;

type R<T> = Result<T, CommunityError>;

/// Stores a message (a retry with the same client id stores nothing) and publishes it
/// with its mentions.
pub async fn post_message(
    state: &AppState,
    p: &Principal,
    channel_id: i64,
    input: MessageInput,
) -> R<Posted> {
    let posted = store::post_message(&state.db, p, channel_id, input).await?;
    state.realtime.posted(&posted);
    Ok(posted)
}

/// Edits a message's text and publishes the new version.
pub async fn edit_message(
    state: &AppState,
    p: &Principal,
    id: i64,
    body: String,
    title: Option<String>,
) -> R<Message> {
    let m = store::edit_message(&state.db, p, id, body, title).await?;
    state.realtime.changed_message(&m);
    Ok(m)
}

/// Pins, hides or deletes a message and publishes the result.
pub async fn moderate_message(
    state: &AppState,
    p: &Principal,
    id: i64,
    action: ModAction,
) -> R<Message> {
    let m = store::moderate_message(&state.db, p, id, action).await?;
    state.realtime.changed_message(&m);
    Ok(m)
}

/// Accepts (or withdraws) the answer of a question and publishes the question.
pub async fn accept_answer(
    state: &AppState,
    p: &Principal,
    question_id: i64,
    answer_id: Option<i64>,
) -> R<Message> {
    let m = store::accept_answer(&state.db, p, question_id, answer_id).await?;
    state.realtime.changed_message(&m);
    Ok(m)
}

/// Adds (`on`) or removes the caller's reaction; the subscribers hear of it only when it
/// changed something.
pub async fn react(state: &AppState, p: &Principal, id: i64, emoji: &str, on: bool) -> R<Reacted> {
    let r = store::react(&state.db, p, id, emoji, on).await?;
    if r.changed {
        state
            .realtime
            .reaction(r.channel_id, id, p.user_id, emoji.trim(), on);
    }
    Ok(r)
}
