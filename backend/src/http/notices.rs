//! The organisation's general inbox (`accounts::notices`), which the websocket's
//! `notification` frames of kind `organisation` deliver live: reading it, marking notices
//! read (for every member of the organisation) and the unread count of the nav badge.

use actix_web::web;
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::Caller;
use super::problem::Problem;
use super::reply::{no_content, ok, ApiResult};
use crate::auth::notices::{self, OrganisationNotice};
use crate::auth::policy;
use crate::state::AppState;

/// Notices kept per organisation in one answer (newest first).
const INBOX_LIMIT: u64 = 200;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/organisations/{id}/notices",
        web::get().to(organisation_notices),
    )
    .route(
        "/organisations/{id}/notices/read",
        web::post().to(mark_all_notices_read),
    )
    .route("/notices/unread", web::get().to(unread_notices))
    .route("/notices/{id}/read", web::post().to(mark_notice_read));
}

/// What concerns the organisation (interest in its solutions and needs, reached
/// thresholds, bundlings, stale entries, usage claims), newest first: its members and
/// operators.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/notices", tag = "adoption",
    responses((status = 200, body = [OrganisationNotice]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn organisation_notices(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    policy::read_organisation_inbox(&p, *id)?;
    ok(notices::for_organisation(&state.db, *id, INBOX_LIMIT).await?)
}

/// How many notices of the caller's organisations nobody marked read yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadNotices {
    pub unread: u64,
}

/// Unread notices of all the caller's organisations (the badge in the navigation).
#[utoipa::path(get, path = "/api/v1/notices/unread", tag = "adoption",
    responses((status = 200, body = UnreadNotices), (status = 401, body = Problem)))]
pub async fn unread_notices(p: Caller, state: web::Data<AppState>) -> ApiResult {
    let orgs: Vec<i64> = p.memberships.iter().map(|m| m.organisation_id).collect();
    ok(UnreadNotices {
        unread: notices::unread_count(&state.db, &orgs).await?,
    })
}

/// Marks one notice read, for every member of its organisation: its members.
#[utoipa::path(post, path = "/api/v1/notices/{id}/read", tag = "adoption",
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn mark_notice_read(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    let n = notices::get(&state.db, *id).await?;
    policy::mark_organisation_inbox(&p, n.organisation_id)?;
    notices::mark_read(&state.db, n.id).await?;
    no_content()
}

/// Marks every notice of the organisation read: its members.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/notices/read", tag = "adoption",
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn mark_all_notices_read(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    policy::mark_organisation_inbox(&p, *id)?;
    notices::mark_all_read(&state.db, *id).await?;
    no_content()
}
