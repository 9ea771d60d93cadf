//! History, posting, reading, edits, moderation and reactions.

use super::*;

#[utoipa::path(get, path = "/api/v1/channels/{id}/messages", tag = "community", params(HistoryQuery),
    responses((status = 200, body = HistoryPage), (status = 403, body = Problem)))]
pub async fn history(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    id: web::Path<i64>,
    q: web::Query<HistoryQuery>,
) -> ApiResult {
    ok(store::history(&state.db, p.0.as_ref(), *id, &q).await?)
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
        crate::services::questions::similar_questions(
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
    pub action: Moderation,
}

#[utoipa::path(post, path = "/api/v1/messages/{id}/moderation", tag = "community", request_body = ModerationInput,
    responses((status = 200, body = Message), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn moderate(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<ModerationInput>,
) -> ApiResult {
    apply_mod(&state, &p, *id, body.action.into()).await
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
