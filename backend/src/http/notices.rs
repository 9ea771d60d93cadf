//! `GET /api/v1/organisations/{id}/notices`: the organisation's general inbox
//! (`accounts::notices`), which the websocket's `notification` frames of kind
//! `organisation` deliver live.

use actix_web::web;

use super::extract::Caller;
use super::problem::Problem;
use super::reply::{ok, ApiResult};
use crate::auth::notices::{self, OrganisationNotice};
use crate::state::AppState;

/// Notices kept per organisation in one answer (newest first).
const INBOX_LIMIT: u64 = 200;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/organisations/{id}/notices",
        web::get().to(organisation_notices),
    );
}

/// What concerns the organisation (interest in its solutions and needs, reached
/// thresholds, bundlings), newest first: its members and operators.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/notices", tag = "adoption",
    responses((status = 200, body = [OrganisationNotice]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn organisation_notices(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    crate::auth::policy::read_organisation_inbox(&p, *id)?;
    ok(notices::for_organisation(&state.db, *id, INBOX_LIMIT).await?)
}
