//! `GET /api/v1/organisations/{id}/needs-radar`: the provider's needs radar.

use actix_web::web;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::Caller;
use super::problem::Problem;
use super::reply::{ok, ApiResult};
use crate::auth::policy;
use crate::catalog::store::{organisations, ListParams};
use crate::matching::provider_radar::{self, NeedsRadar, RadarRequest};
use crate::state::AppState;

/// Mount before the catalogue's `/organisations` scope, which would shadow it.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/organisations/{id}/needs-radar",
        web::get().to(organisation_needs_radar),
    );
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NeedsRadarQuery {
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "crate::http::query::offset")]
    #[param(maximum = 9007199254740991.0)]
    pub offset: Option<u64>,
    /// Only needs matching this one of the organisation's solutions.
    pub solution: Option<i64>,
}

/// Open needs of other organisations that match this organisation's provided solutions,
/// best match first, each with the matched solutions, a strength and the shared words.
///
/// Who may read it: the organisation's members and operators (401 without sign-in, 403
/// for everyone else). The needs are public, but the per-provider ranking is the
/// provider's working list; open to all it would hand anyone a ready-made list of
/// administrations to cold-call for a given product. Needs are shown as the needs list
/// shows them to the caller (public ones, plus private ones the caller may see).
///
/// Ranked by the stored vectors of needs and solutions (no model call); on an instance
/// without the model, by shared words (`ranking: words`, every match at most
/// "possible"). Counts as one unit of the match rate limit.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/needs-radar", tag = "matching",
    params(NeedsRadarQuery),
    responses((status = 200, body = NeedsRadar), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn organisation_needs_radar(
    p: Caller,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<i64>,
    q: web::Query<NeedsRadarQuery>,
) -> ApiResult {
    policy::read_needs_radar(&p, *id)?;
    let ip = super::extract::client_ip(&state, &req);
    state
        .auth
        .limiter
        .check_match(&ip, Some(p.user_id), 1)
        .await?;
    organisations::get(&state.db, *id).await?;
    let q = q.into_inner();
    let limit = ListParams {
        limit: q.limit,
        ..ListParams::default()
    }
    .limit()?;
    let radar = provider_radar::needs_radar(
        &state.db,
        RadarRequest {
            organisation_id: *id,
            solution_id: q.solution,
            audience: policy::need_audience(Some(&*p)),
            model: state.matcher.as_ref().map(|m| m.model_id().to_owned()),
            strengths: state.config.matching.radar_strengths(),
            limit,
            offset: q.offset.unwrap_or(0),
        },
    )
    .await?;
    ok(radar)
}
