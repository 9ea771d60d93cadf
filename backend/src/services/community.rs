//! Community writes that the channel's subscribers see at once: stored, then published
//! (new and changed messages, reactions, invitations, and the subscriptions a change of
//! membership or visibility ends).

use crate::auth::Principal;
use crate::community::invitations;
use crate::community::model::{
    Channel, ChannelInput, ChannelInvitation, ChannelPatch, Member, MemberRole, Message,
    MessageInput, Report, ResolveAction,
};
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

/// Opens a channel and tells the members it invites.
pub async fn create_channel(state: &AppState, p: &Principal, input: ChannelInput) -> R<Channel> {
    let (ch, invited) = store::create_channel(&state.db, p, input).await?;
    for inv in &invited {
        state.realtime.invited(inv);
    }
    Ok(ch)
}

/// Changes a channel; when its visibility changed, subscribers who may no longer read it
/// stop receiving it, on every instance.
pub async fn update_channel(
    state: &AppState,
    p: &Principal,
    id: i64,
    patch: ChannelPatch,
) -> R<Channel> {
    let rescoped = patch.visibility.is_some();
    let ch = store::update_channel(&state.db, p, id, patch).await?;
    if rescoped {
        state.realtime.access_changed(ch.id);
    }
    Ok(ch)
}

/// Deletes a channel and drops every subscription to it.
pub async fn delete_channel(state: &AppState, p: &Principal, id: i64) -> R<()> {
    store::delete_channel(&state.db, p, id).await?;
    state.realtime.kick(id, None);
    Ok(())
}

/// Changes a member's role; the subscriptions of the channel are checked again.
pub async fn set_member_role(
    state: &AppState,
    p: &Principal,
    id: i64,
    user_id: i64,
    role: MemberRole,
) -> R<Member> {
    let m = store::set_role(&state.db, p, id, user_id, role).await?;
    state.realtime.access_changed(id);
    Ok(m)
}

/// Invites a user to a channel and tells them.
pub async fn invite(
    state: &AppState,
    p: &Principal,
    id: i64,
    user_id: i64,
    role: MemberRole,
) -> R<ChannelInvitation> {
    let inv = invitations::invite(&state.db, p, id, user_id, role).await?;
    state.realtime.invited(&inv);
    Ok(inv)
}

/// Removes a member (or the caller, who leaves); once stored, every instance drops the
/// user's subscriptions at once.
pub async fn remove_member(state: &AppState, p: &Principal, id: i64, user_id: i64) -> R<()> {
    store::remove_member(&state.db, p, id, user_id).await?;
    state.realtime.kick(id, Some(user_id));
    Ok(())
}

/// Mutes or bans a member; a ban drops the member's subscriptions.
pub async fn sanction(
    state: &AppState,
    p: &Principal,
    id: i64,
    user_id: i64,
    mute_minutes: Option<i64>,
    ban: Option<bool>,
) -> R<Member> {
    let m = store::sanction(&state.db, p, id, user_id, mute_minutes, ban).await?;
    if ban == Some(true) {
        state.realtime.kick(id, Some(user_id));
    }
    Ok(m)
}

/// Leaves a channel and drops the caller's subscriptions to it.
pub async fn leave(state: &AppState, p: &Principal, id: i64) -> R<()> {
    store::leave(&state.db, p, id).await?;
    state.realtime.kick(id, Some(p.user_id));
    Ok(())
}

/// Resolves a report; a hidden or deleted message is published in its new state.
pub async fn resolve_report(
    state: &AppState,
    p: &Principal,
    id: i64,
    action: ResolveAction,
) -> R<(Report, Option<Message>)> {
    let (r, m) = store::resolve_report(&state.db, p, id, action).await?;
    if let Some(m) = &m {
        state.realtime.changed_message(m);
    }
    Ok((r, m))
}
