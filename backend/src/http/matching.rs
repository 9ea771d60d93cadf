//! `POST /api/v1/match`: the seeker's entry point.

use actix_web::{web, HttpResponse};

use super::problem::{ApiError, Problem, ProblemKind};
use crate::matching::model::{MatchRequest, MatchResponse};
use crate::matching::{service, MatchError};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/match", web::post().to(match_text)).route(
        "/organisations/{id}/notifications",
        web::get().to(organisation_notifications),
    );
}

/// Needs posted by others that this organisation can help with (as provider, user of a
/// matching solution, or holder of a similar need), newest first.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/notifications", tag = "matching",
    responses((status = 200, body = [crate::matching::notify::NeedNotification]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn organisation_notifications(
    p: super::extract::Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::policy::read_organisation_inbox(&p, *id)?;
    let items = crate::matching::notify::for_organisation(&state.db, *id, 200).await?;
    Ok(HttpResponse::Ok().json(items))
}

/// Ranked, explained solutions for a problem description, with providers and peers.
#[utoipa::path(post, path = "/api/v1/match", tag = "matching", request_body = MatchRequest,
    responses((status = 200, body = MatchResponse), (status = 422, body = Problem), (status = 429, body = Problem), (status = 503, body = Problem)))]
pub async fn match_text(
    super::extract::MaybePrincipal(p): super::extract::MaybePrincipal,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: web::Json<MatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip = super::extract::client_ip(&state, &req);
    let user_id = p.as_ref().map(|p| p.user_id);
    state
        .auth
        .limiter
        .check_match(&ip, user_id, body.cost())
        .await?;
    let client = match user_id {
        Some(id) => format!("user:{id}"),
        None => format!("ip:{ip}"),
    };
    let Some(matcher) = &state.matcher else {
        return Err(ApiError::new(
            ProblemKind::ServiceUnavailable,
            "matching is not enabled on this instance",
        ));
    };
    let viewer_orgs = crate::auth::policy::peer_organisations(p.as_ref());
    let mut times = crate::matching::StageTimes::default();
    let answer = service::run_timed(
        &state.db,
        matcher,
        &body,
        &viewer_orgs,
        &client,
        state.stale_cutoff(),
        &mut times,
    )
    .await;
    state.metrics.match_stages(&times);
    let answer = answer?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `Retry-After` of a vector match refused while the semantic index is being built.
const SEMANTIC_RETRY_SECS: u64 = 10;

impl From<MatchError> for ApiError {
    fn from(e: MatchError) -> Self {
        match e {
            MatchError::Invalid { field, message } => {
                ApiError::validation(field, format!("{field}: {message}"))
            }
            MatchError::Catalog(c) => c.into(),
            MatchError::SemanticBuilding { .. } => ApiError {
                retry_after: Some(SEMANTIC_RETRY_SECS),
                ..ApiError::new(ProblemKind::ServiceUnavailable, e.to_string())
            },
            MatchError::ShuttingDown => {
                ApiError::new(ProblemKind::ServiceUnavailable, e.to_string())
            }
            MatchError::Busy(_) => {
                let mut err = ApiError::new(ProblemKind::ServiceUnavailable, e.to_string());
                err.retry_after = Some(crate::matching::queue::RETRY_AFTER_SECS);
                err
            }
            other => {
                tracing::error!(error = %other, "matching failed");
                ApiError::new(ProblemKind::Internal, "the match could not be computed")
            }
        }
    }
}
