//! `GET /api/v1/demand-radar`: the public demand radar (no sign-in needed).

use actix_web::{web, HttpResponse};

use super::problem::ApiError;
use crate::reuse_check::radar::DemandRadar;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/demand-radar", web::get().to(demand_radar));
}

/// Unsolved problems, grouped by similarity, with the organisations that have them: closed
/// reuse checks that ended in "build new" (shared by their organisation) and open public
/// needs. Most organisations first.
#[utoipa::path(get, path = "/api/v1/demand-radar", tag = "reuse-checks",
    responses((status = 200, body = DemandRadar)))]
pub async fn demand_radar(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let radar = crate::services::radar::demand_radar(&state).await?;
    Ok(HttpResponse::Ok().json(radar))
}
