//! Community REST: channels, members, history and search, unread counts, Q&A, moderation
//! and reports. Thin over `community::store`; every write that clients see in real time
//! is published on the bus after it was stored.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Caller, MaybePrincipal};
use super::problem::{ApiError, Problem};
use super::reply::{no_content, ok, ApiResult};
use crate::auth::{audit, Principal};
use crate::community::model::*;
use crate::community::store::{self, ChannelFilter, HistoryQuery, ModAction, QuestionStatus};
use crate::community::{invitations, similar};
use crate::matching::store::ItemKind;
use crate::services::community as services;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/channels")
            .route("", web::get().to(list_channels))
            .route("", web::post().to(create_channel))
            .route("/unread", web::get().to(unread))
            .route("/{id}", web::get().to(get_channel))
            .route("/{id}", web::patch().to(update_channel))
            .route("/{id}", web::delete().to(delete_channel))
            .route("/{id}/members", web::get().to(list_members))
            .route("/{id}/members", web::post().to(set_member_role))
            .route("/{id}/invitations", web::post().to(invite))
            .route("/{id}/members/{user_id}", web::delete().to(remove_member))
            .route("/{id}/members/{user_id}/sanction", web::post().to(sanction))
            .route("/{id}/join", web::post().to(join))
            .route("/{id}/leave", web::post().to(leave))
            .route("/{id}/messages", web::get().to(history))
            .route("/{id}/messages", web::post().to(post_message))
            .route("/{id}/read", web::post().to(mark_read))
            .route("/{id}/questions", web::get().to(questions))
            .route("/{id}/questions/similar", web::get().to(similar_questions))
            .route("/{id}/reports", web::get().to(channel_reports)),
    )
    .service(
        web::scope("/messages")
            .route("/{id}", web::get().to(get_message))
            .route("/{id}", web::patch().to(edit_message))
            .route("/{id}", web::delete().to(delete_message))
            .route("/{id}/edits", web::get().to(edits))
            .route("/{id}/moderation", web::post().to(moderate))
            .route("/{id}/reactions/{emoji}", web::put().to(add_reaction))
            .route("/{id}/reactions/{emoji}", web::delete().to(remove_reaction))
            .route("/{id}/accept", web::post().to(accept))
            .route("/{id}/report", web::post().to(report)),
    )
    .route("/me/channel-invitations", web::get().to(my_invitations))
    .route(
        "/channel-invitations/{id}/accept",
        web::post().to(accept_channel_invitation),
    )
    .route(
        "/channel-invitations/{id}/decline",
        web::post().to(decline_channel_invitation),
    )
    .route("/reports", web::get().to(all_reports))
    .route("/reports/{id}/resolve", web::post().to(resolve_report))
    .route("/notifications", web::get().to(notifications))
    .route("/matches/channel", web::post().to(open_direct));
}

async fn audit_mod(
    state: &AppState,
    p: &Principal,
    action: &str,
    target: String,
    detail: serde_json::Value,
) {
    if let Err(e) = audit::record(&state.db, Some(p.user_id), action, &target, detail).await {
        tracing::error!(error = %e, action, "audit record failed");
    }
}

// ---- channels ------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChannelQuery {
    pub kind: Option<ChannelKind>,
    pub solution_id: Option<i64>,
    pub organisation_id: Option<i64>,
    /// Only channels the caller is a member of.
    pub mine: Option<bool>,
    /// Substring of the name.
    pub q: Option<String>,
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "crate::http::query::offset")]
    #[param(maximum = 9007199254740991.0)]
    pub offset: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/channels", tag = "community", params(ChannelQuery),
    responses((status = 200, body = Vec<Channel>)))]
pub async fn list_channels(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    q: web::Query<ChannelQuery>,
) -> ApiResult {
    let q = q.into_inner();
    let filter = ChannelFilter {
        kind: q.kind,
        solution_id: q.solution_id,
        organisation_id: q.organisation_id,
        mine: q.mine.unwrap_or(false),
        q: q.q,
    };
    ok(store::list_channels(
        &state.db,
        p.0.as_ref(),
        &filter,
        q.limit.unwrap_or(store::DEFAULT_PAGE),
        q.offset.unwrap_or(0),
    )
    .await?)
}

#[utoipa::path(post, path = "/api/v1/channels", tag = "community", request_body = ChannelInput,
    responses((status = 201, body = Channel), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_channel(
    state: web::Data<AppState>,
    p: Caller,
    body: web::Json<ChannelInput>,
) -> ApiResult {
    let (ch, invited) = store::create_channel(&state.db, &p, body.into_inner()).await?;
    for inv in &invited {
        state.realtime.invited(inv);
    }
    audit_mod(
        &state,
        &p,
        "channel.create",
        format!("channel:{}", ch.id),
        serde_json::json!({"kind": ch.kind, "visibility": ch.visibility}),
    )
    .await;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/channels/{}", ch.id)))
        .json(ch))
}

#[utoipa::path(get, path = "/api/v1/channels/{id}", tag = "community",
    responses((status = 200, body = Channel), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_channel(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    id: web::Path<i64>,
) -> ApiResult {
    ok(store::get_channel(&state.db, p.0.as_ref(), *id).await?)
}

#[utoipa::path(patch, path = "/api/v1/channels/{id}", tag = "community", request_body = ChannelPatch,
    responses((status = 200, body = Channel), (status = 403, body = Problem)))]
pub async fn update_channel(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<ChannelPatch>,
) -> ApiResult {
    let patch = body.into_inner();
    let locked = patch.locked;
    let rescoped = patch.visibility.is_some();
    let ch = store::update_channel(&state.db, &p, *id, patch).await?;
    if rescoped {
        // Subscribers who may no longer read it stop receiving it, on every instance.
        state.realtime.access_changed(ch.id);
    }
    if let Some(l) = locked {
        audit_mod(
            &state,
            &p,
            if l { "channel.lock" } else { "channel.unlock" },
            format!("channel:{}", ch.id),
            serde_json::json!({}),
        )
        .await;
    }
    ok(ch)
}

#[utoipa::path(delete, path = "/api/v1/channels/{id}", tag = "community",
    responses((status = 204), (status = 403, body = Problem)))]
pub async fn delete_channel(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
) -> ApiResult {
    store::delete_channel(&state.db, &p, *id).await?;
    state.realtime.kick(*id, None);
    audit_mod(
        &state,
        &p,
        "channel.delete",
        format!("channel:{id}"),
        serde_json::json!({}),
    )
    .await;
    no_content()
}

// ---- members -------------------------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/channels/{id}/members", tag = "community",
    responses((status = 200, body = Vec<Member>)))]
pub async fn list_members(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    id: web::Path<i64>,
) -> ApiResult {
    ok(store::members(&state.db, p.0.as_ref(), *id).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    pub user_id: i64,
    #[serde(default = "default_role")]
    pub role: MemberRole,
}

fn default_role() -> MemberRole {
    MemberRole::Member
}

/// Changes a member's role; a non-member is 404 (invite them instead).
#[utoipa::path(post, path = "/api/v1/channels/{id}/members", tag = "community", request_body = InviteInput,
    responses((status = 200, body = Member), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn set_member_role(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<InviteInput>,
) -> ApiResult {
    let m = store::set_role(&state.db, &p, *id, body.user_id, body.role).await?;
    state.realtime.access_changed(*id);
    audit_mod(
        &state,
        &p,
        "channel.set_role",
        format!("channel:{id}"),
        serde_json::json!({"user_id": m.user_id, "role": m.role}),
    )
    .await;
    ok(m)
}

/// Invites a user; they become a member only by accepting
/// (`POST /api/v1/channel-invitations/{id}/accept`).
#[utoipa::path(post, path = "/api/v1/channels/{id}/invitations", tag = "community", request_body = InviteInput,
    responses((status = 201, body = ChannelInvitation), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn invite(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<InviteInput>,
) -> ApiResult {
    let inv = invitations::invite(&state.db, &p, *id, body.user_id, body.role).await?;
    state.realtime.invited(&inv);
    audit_mod(
        &state,
        &p,
        "channel.invite",
        format!("channel:{id}"),
        serde_json::json!({"user_id": inv.user_id, "role": inv.role}),
    )
    .await;
    Ok(HttpResponse::Created().json(inv))
}

/// The caller's pending channel invitations, newest first.
#[utoipa::path(get, path = "/api/v1/me/channel-invitations", tag = "community",
    responses((status = 200, body = Vec<ChannelInvitation>), (status = 401, body = Problem)))]
pub async fn my_invitations(state: web::Data<AppState>, p: Caller) -> ApiResult {
    ok(invitations::mine(&state.db, &p).await?)
}

#[utoipa::path(post, path = "/api/v1/channel-invitations/{id}/accept", tag = "community",
    responses((status = 200, body = Member), (status = 404, body = Problem)))]
pub async fn accept_channel_invitation(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
) -> ApiResult {
    ok(invitations::accept(&state.db, &p, *id).await?)
}

#[utoipa::path(post, path = "/api/v1/channel-invitations/{id}/decline", tag = "community",
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn decline_channel_invitation(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
) -> ApiResult {
    invitations::decline(&state.db, &p, *id).await?;
    no_content()
}

#[utoipa::path(delete, path = "/api/v1/channels/{id}/members/{user_id}", tag = "community",
    responses((status = 204), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_member(
    state: web::Data<AppState>,
    p: Caller,
    path: web::Path<(i64, i64)>,
) -> ApiResult {
    let (id, user_id) = path.into_inner();
    store::remove_member(&state.db, &p, id, user_id).await?;
    // Stored: now every instance drops the user's subscriptions at once.
    state.realtime.kick(id, Some(user_id));
    if user_id != p.user_id {
        audit_mod(
            &state,
            &p,
            "channel.remove_member",
            format!("channel:{id}"),
            serde_json::json!({"user_id": user_id}),
        )
        .await;
    }
    no_content()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SanctionInput {
    /// Mute for this many minutes (0 lifts a mute).
    pub mute_minutes: Option<i64>,
    pub ban: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/channels/{id}/members/{user_id}/sanction", tag = "community", request_body = SanctionInput,
    responses((status = 200, body = Member), (status = 403, body = Problem)))]
pub async fn sanction(
    state: web::Data<AppState>,
    p: Caller,
    path: web::Path<(i64, i64)>,
    body: web::Json<SanctionInput>,
) -> ApiResult {
    let (id, user_id) = path.into_inner();
    let m = store::sanction(&state.db, &p, id, user_id, body.mute_minutes, body.ban).await?;
    if body.ban == Some(true) {
        state.realtime.kick(id, Some(user_id));
    }
    audit_mod(
        &state,
        &p,
        "channel.sanction",
        format!("channel:{id}"),
        serde_json::json!({"user_id": user_id, "mute_minutes": body.mute_minutes, "ban": body.ban}),
    )
    .await;
    ok(m)
}

#[utoipa::path(post, path = "/api/v1/channels/{id}/join", tag = "community",
    responses((status = 200, body = Member), (status = 403, body = Problem)))]
pub async fn join(state: web::Data<AppState>, p: Caller, id: web::Path<i64>) -> ApiResult {
    ok(store::join(&state.db, &p, *id).await?)
}

#[utoipa::path(post, path = "/api/v1/channels/{id}/leave", tag = "community",
    responses((status = 204), (status = 409, body = Problem)))]
pub async fn leave(state: web::Data<AppState>, p: Caller, id: web::Path<i64>) -> ApiResult {
    store::leave(&state.db, &p, *id).await?;
    state.realtime.kick(*id, Some(p.user_id));
    no_content()
}

// ---- messages ------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// Cursor: messages older than this id (use `next_before` of the previous page).
    pub before: Option<i64>,
    /// Messages newer than this id.
    pub after: Option<i64>,
    pub limit: Option<u64>,
    /// Only this message and its replies.
    pub thread: Option<i64>,
    /// Search: substring of the text or title.
    pub q: Option<String>,
    pub pinned: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/channels/{id}/messages", tag = "community", params(HistoryParams),
    responses((status = 200, body = HistoryPage), (status = 403, body = Problem)))]
pub async fn history(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    id: web::Path<i64>,
    q: web::Query<HistoryParams>,
) -> ApiResult {
    let q = q.into_inner();
    let hq = HistoryQuery {
        before: q.before,
        after: q.after,
        limit: q.limit,
        thread: q.thread,
        q: q.q,
        pinned: q.pinned,
    };
    ok(store::history(&state.db, p.0.as_ref(), *id, &hq).await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Posted {
    pub message: Message,
    /// False when `client_msg_id` was already stored (a retried send).
    pub created: bool,
    /// For a new question: similar answered questions of the channel, best first.
    pub similar: Vec<SimilarQuestion>,
}

#[utoipa::path(post, path = "/api/v1/channels/{id}/messages", tag = "community", request_body = MessageInput,
    responses((status = 201, body = Posted), (status = 200, body = Posted), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn post_message(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<MessageInput>,
) -> ApiResult {
    let posted = services::post_message(&state, &p, *id, body.into_inner()).await?;
    let similar = if posted.created && posted.message.kind == MessageKind::Question {
        similar_to(
            &state,
            *id,
            &similar::question_text(&posted.message),
            Some(posted.message.id),
            5,
        )
        .await
    } else {
        Vec::new()
    };
    let status = if posted.created {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(Posted {
        message: posted.message,
        created: posted.created,
        similar,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadInput {
    pub message_id: i64,
}

#[utoipa::path(post, path = "/api/v1/channels/{id}/read", tag = "community", request_body = ReadInput,
    responses((status = 204), (status = 403, body = Problem)))]
pub async fn mark_read(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<ReadInput>,
) -> ApiResult {
    store::mark_read(&state.db, &p, *id, body.message_id).await?;
    no_content()
}

#[utoipa::path(get, path = "/api/v1/channels/unread", tag = "community",
    responses((status = 200, body = Vec<Unread>), (status = 401, body = Problem)))]
pub async fn unread(state: web::Data<AppState>, p: Caller) -> ApiResult {
    ok(store::unread_counts(&state.db, &p).await?)
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "community",
    responses((status = 200, body = Vec<Notification>), (status = 401, body = Problem)))]
pub async fn notifications(state: web::Data<AppState>, p: Caller) -> ApiResult {
    ok(store::notifications(&state.db, &p).await?)
}

#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "community",
    responses((status = 200, body = Message), (status = 404, body = Problem)))]
pub async fn get_message(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    id: web::Path<i64>,
) -> ApiResult {
    ok(store::get_message(&state.db, p.0.as_ref(), *id).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditInput {
    pub body: String,
    pub title: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/messages/{id}", tag = "community", request_body = EditInput,
    responses((status = 200, body = Message), (status = 403, body = Problem)))]
pub async fn edit_message(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<EditInput>,
) -> ApiResult {
    let b = body.into_inner();
    let m = services::edit_message(&state, &p, *id, b.body, b.title).await?;
    if m.author_id != p.user_id {
        audit_mod(
            &state,
            &p,
            "message.edit",
            format!("message:{id}"),
            serde_json::json!({"channel_id": m.channel_id}),
        )
        .await;
    }
    ok(m)
}

#[utoipa::path(get, path = "/api/v1/messages/{id}/edits", tag = "community",
    responses((status = 200, body = Vec<MessageEdit>)))]
pub async fn edits(state: web::Data<AppState>, p: MaybePrincipal, id: web::Path<i64>) -> ApiResult {
    ok(store::edit_history(&state.db, p.0.as_ref(), *id).await?)
}

async fn apply_mod(state: &AppState, p: &Principal, id: i64, action: ModAction) -> ApiResult {
    let m = services::moderate_message(state, p, id, action).await?;
    if !(action == ModAction::Delete && m.author_id == p.user_id) {
        audit_mod(
            state,
            p,
            action.name(),
            format!("message:{id}"),
            serde_json::json!({"channel_id": m.channel_id}),
        )
        .await;
    }
    ok(m)
}

#[utoipa::path(delete, path = "/api/v1/messages/{id}", tag = "community",
    responses((status = 200, body = Message), (status = 403, body = Problem)))]
pub async fn delete_message(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
) -> ApiResult {
    apply_mod(&state, &p, *id, ModAction::Delete).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationInput {
    /// pin, unpin, hide, unhide, lock, unlock (a topic), delete.
    pub action: String,
}

#[utoipa::path(post, path = "/api/v1/messages/{id}/moderation", tag = "community", request_body = ModerationInput,
    responses((status = 200, body = Message), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn moderate(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<ModerationInput>,
) -> ApiResult {
    let action = match body.action.as_str() {
        "pin" => ModAction::Pin(true),
        "unpin" => ModAction::Pin(false),
        "hide" => ModAction::Hide(true),
        "unhide" => ModAction::Hide(false),
        "lock" => ModAction::Lock(true),
        "unlock" => ModAction::Lock(false),
        "delete" => ModAction::Delete,
        _ => {
            return Err(ApiError::validation(
                "action",
                "action: one of pin, unpin, hide, unhide, lock, unlock, delete",
            ))
        }
    };
    apply_mod(&state, &p, *id, action).await
}

#[utoipa::path(put, path = "/api/v1/messages/{id}/reactions/{emoji}", tag = "community",
    responses((status = 200, body = Vec<ReactionCount>)))]
pub async fn add_reaction(
    state: web::Data<AppState>,
    p: Caller,
    path: web::Path<(i64, String)>,
) -> ApiResult {
    let (id, emoji) = path.into_inner();
    react(&state, &p, id, &emoji, true).await
}

#[utoipa::path(delete, path = "/api/v1/messages/{id}/reactions/{emoji}", tag = "community",
    responses((status = 200, body = Vec<ReactionCount>)))]
pub async fn remove_reaction(
    state: web::Data<AppState>,
    p: Caller,
    path: web::Path<(i64, String)>,
) -> ApiResult {
    let (id, emoji) = path.into_inner();
    react(&state, &p, id, &emoji, false).await
}

async fn react(state: &AppState, p: &Principal, id: i64, emoji: &str, on: bool) -> ApiResult {
    ok(services::react(state, p, id, emoji, on).await?.counts)
}

// ---- Q&A -----------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// The accepted answer; `null` withdraws the acceptance.
    pub answer_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/messages/{id}/accept", tag = "community", request_body = AcceptInput,
    responses((status = 200, body = Message), (status = 403, body = Problem)))]
pub async fn accept(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<AcceptInput>,
) -> ApiResult {
    let m = services::accept_answer(&state, &p, *id, body.answer_id).await?;
    ok(m)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QuestionParams {
    pub status: Option<QuestionStatus>,
    pub limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/channels/{id}/questions", tag = "community", params(QuestionParams),
    responses((status = 200, body = Vec<Question>)))]
pub async fn questions(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    id: web::Path<i64>,
    q: web::Query<QuestionParams>,
) -> ApiResult {
    ok(store::questions(
        &state.db,
        p.0.as_ref(),
        *id,
        q.status,
        q.limit.unwrap_or(store::DEFAULT_PAGE),
    )
    .await?)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SimilarParams {
    /// The question being written.
    pub text: String,
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/channels/{id}/questions/similar", tag = "community", params(SimilarParams),
    responses((status = 200, body = Vec<SimilarQuestion>)))]
pub async fn similar_questions(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    id: web::Path<i64>,
    q: web::Query<SimilarParams>,
) -> ApiResult {
    store::readable(&state.db, *id, p.0.as_ref()).await?;
    if q.text.trim().is_empty() || q.text.len() > 4000 {
        return Err(ApiError::validation("text", "text: 1 to 4000 bytes"));
    }
    ok(similar_to(
        &state,
        *id,
        &q.text,
        None,
        q.limit.unwrap_or(5).clamp(1, 20),
    )
    .await)
}

/// Answered questions of the channel most similar to `text`: by embedding when the
/// matcher runs, else by word overlap (`community::similar`). Never fails the request (an
/// empty list instead).
async fn similar_to(
    state: &AppState,
    channel_id: i64,
    text: &str,
    exclude: Option<i64>,
    limit: usize,
) -> Vec<SimilarQuestion> {
    let candidates = match store::answered_questions(&state.db, channel_id, 200).await {
        Ok(c) => c
            .into_iter()
            .filter(|m| Some(m.id) != exclude)
            .collect::<Vec<_>>(),
        Err(e) => {
            tracing::warn!(error = %e, "similar questions");
            return Vec::new();
        }
    };
    if candidates.is_empty() {
        return Vec::new();
    }
    let vectors = match &state.matcher {
        // Each question is embedded once per text (stored), not on every call.
        Some(matcher) => {
            let items: Vec<(i64, String)> = candidates
                .iter()
                .map(|m| (m.id, similar::question_text(m)))
                .collect();
            match (
                matcher.embed_query(text).await,
                matcher
                    .stored_passages(&state.db, ItemKind::Question, &items)
                    .await,
            ) {
                (Ok(q), Ok(vs)) => Some((q, vs)),
                _ => None,
            }
        }
        None => None,
    };
    let vectors = vectors
        .as_ref()
        .map(|(q, vs)| (q.as_slice(), vs.as_slice()));
    similar::rank(text, candidates, vectors, state.matcher.is_some(), limit)
}

// ---- reports -------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/messages/{id}/report", tag = "community", request_body = ReportInput,
    responses((status = 201, body = Report)))]
pub async fn report(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<ReportInput>,
) -> ApiResult {
    let r = store::report_message(&state.db, &p, *id, body.into_inner().reason).await?;
    Ok(HttpResponse::Created().json(r))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// open (default), resolved or dismissed.
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/channels/{id}/reports", tag = "community", params(ReportParams),
    responses((status = 200, body = Vec<Report>), (status = 403, body = Problem)))]
pub async fn channel_reports(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    q: web::Query<ReportParams>,
) -> ApiResult {
    ok(store::reports(&state.db, &p, Some(*id), q.into_inner().status).await?)
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "community", params(ReportParams),
    responses((status = 200, body = Vec<Report>), (status = 403, body = Problem)))]
pub async fn all_reports(
    state: web::Data<AppState>,
    p: Caller,
    q: web::Query<ReportParams>,
) -> ApiResult {
    ok(store::reports(&state.db, &p, None, q.into_inner().status).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// dismiss, hide or delete.
    pub action: String,
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/resolve", tag = "community", request_body = ResolveInput,
    responses((status = 200, body = Report), (status = 403, body = Problem)))]
pub async fn resolve_report(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<ResolveInput>,
) -> ApiResult {
    let (r, m) = store::resolve_report(&state.db, &p, *id, &body.action).await?;
    if let Some(m) = &m {
        state.realtime.changed_message(m);
    }
    audit_mod(
        &state,
        &p,
        "report.resolve",
        format!("report:{id}"),
        serde_json::json!({"action": body.action, "message_id": r.message_id}),
    )
    .await;
    ok(r)
}

// ---- direct channels from a match ----------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectInput {
    pub solution_id: Option<i64>,
    pub organisation_id: Option<i64>,
    /// A first message, posted into the channel.
    pub text: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectChannel {
    pub channel: Channel,
    pub created: bool,
    pub message: Option<Message>,
}

#[utoipa::path(post, path = "/api/v1/matches/channel", tag = "community", request_body = DirectInput,
    responses((status = 201, body = DirectChannel), (status = 200, body = DirectChannel), (status = 422, body = Problem)))]
pub async fn open_direct(
    state: web::Data<AppState>,
    p: Caller,
    body: web::Json<DirectInput>,
) -> ApiResult {
    let b = body.into_inner();
    let (channel, created) =
        store::open_direct(&state.db, &p, b.solution_id, b.organisation_id).await?;
    let message = match b.text.filter(|t| !t.trim().is_empty()) {
        Some(text) => {
            let posted = store::post_message(
                &state.db,
                &p,
                channel.id,
                MessageInput {
                    body: text,
                    ..Default::default()
                },
            )
            .await?;
            state.realtime.posted(&posted);
            Some(posted.message)
        }
        None => None,
    };
    let status = if created {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(DirectChannel {
        channel,
        created,
        message,
    }))
}
