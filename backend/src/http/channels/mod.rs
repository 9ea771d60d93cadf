//! Community REST: channels, members, history and search, unread counts, Q&A, moderation
//! and reports. Thin over `community::store` for reads and over `services::community` for
//! every write that clients see in real time (which stores, then publishes).

mod direct;
mod members;
mod messages;
mod qa;
mod reports;

pub use direct::*;
pub use members::*;
pub use messages::*;
pub use qa::*;
pub use reports::*;

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
    let ch = services::create_channel(&state, &p, body.into_inner()).await?;
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
    let ch = services::update_channel(&state, &p, *id, patch).await?;
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
    services::delete_channel(&state, &p, *id).await?;
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
