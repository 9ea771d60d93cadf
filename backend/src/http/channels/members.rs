//! Members, invitations, sanctions, joining and leaving.

use super::*;

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
    let m = services::set_member_role(&state, &p, *id, body.user_id, body.role).await?;
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
    let inv = services::invite(&state, &p, *id, body.user_id, body.role).await?;
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
    services::remove_member(&state, &p, id, user_id).await?;
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
    let m = services::sanction(&state, &p, id, user_id, body.mute_minutes, body.ban).await?;
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
    services::leave(&state, &p, *id).await?;
    no_content()
}
