//! The documented reuse check (Vorrangprüfung): thin adapters over `reuse_check::store`
//! (reads) and `services::reuse_checks` (changes, audited), and its exports.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{client_ip, Caller};
use super::problem::Problem;
use super::reply::{created, ok, ApiResult};
use crate::reuse_check::export;
use crate::reuse_check::model::*;
use crate::reuse_check::store;
use crate::services::reuse_checks as services;
use crate::state::AppState;

/// Where the export page's stylesheet is served.
const STYLESHEET_PATH: &str = "/api/v1/reuse-checks/export.css";

/// The export page runs no script, loads nothing but its stylesheet, and cannot be framed.
const EXPORT_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/reuse-checks")
            .route("", web::get().to(list_reuse_checks))
            .route("", web::post().to(create_reuse_check))
            .route("/export.css", web::get().to(export_stylesheet))
            .route("/{id}", web::get().to(get_reuse_check))
            .route("/{id}", web::patch().to(update_reuse_check))
            .route(
                "/{id}/candidates/{solution_id}",
                web::put().to(decide_candidate),
            )
            .route("/{id}/close", web::post().to(close_reuse_check))
            .route("/{id}/export.md", web::get().to(export_markdown))
            .route("/{id}/export.html", web::get().to(export_html)),
    );
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReuseCheckQuery {
    /// The organisation whose checks to list (its members and operators).
    pub organisation_id: i64,
}

/// The checks of one organisation, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/reuse-checks", tag = "reuse-checks", params(ReuseCheckQuery),
    responses((status = 200, body = [ReuseCheckSummary]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_reuse_checks(
    state: web::Data<AppState>,
    p: Caller,
    q: web::Query<ReuseCheckQuery>,
) -> ApiResult {
    ok(store::list(&state.db, &p, q.organisation_id).await?)
}

/// Saves a search (problem, filters, candidates shown) as an open reuse check of one of
/// the caller's organisations. Limited per account (`MATCHRAUM_RATE_REUSE_CHECKS_PER_ACCOUNT`).
#[utoipa::path(post, path = "/api/v1/reuse-checks", tag = "reuse-checks", request_body = ReuseCheckInput,
    responses((status = 201, body = ReuseCheck), (status = 403, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn create_reuse_check(
    state: web::Data<AppState>,
    p: Caller,
    req: HttpRequest,
    body: web::Json<ReuseCheckInput>,
) -> ApiResult {
    state
        .auth
        .limiter
        .check_reuse_check(p.user_id, &client_ip(&state, &req))
        .await?;
    let c = services::create(&state, &p, body.into_inner()).await?;
    created("reuse-checks", c.id, c)
}

#[utoipa::path(get, path = "/api/v1/reuse-checks/{id}", tag = "reuse-checks",
    responses((status = 200, body = ReuseCheck), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_reuse_check(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
) -> ApiResult {
    ok(store::get(&state.db, &p, *id).await?)
}

/// Changes the title or records the outcome of an open check (409 once closed).
#[utoipa::path(patch, path = "/api/v1/reuse-checks/{id}", tag = "reuse-checks", request_body = ReuseCheckUpdate,
    responses((status = 200, body = ReuseCheck), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_reuse_check(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<ReuseCheckUpdate>,
) -> ApiResult {
    ok(services::update(&state, &p, *id, body.into_inner()).await?)
}

/// Records the decision about one candidate, with its reason (409 once closed).
#[utoipa::path(put, path = "/api/v1/reuse-checks/{id}/candidates/{solution_id}", tag = "reuse-checks",
    request_body = DecisionInput,
    responses((status = 200, body = ReuseCheck), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_candidate(
    state: web::Data<AppState>,
    p: Caller,
    path: web::Path<(i64, i64)>,
    body: web::Json<DecisionInput>,
) -> ApiResult {
    let (id, solution_id) = path.into_inner();
    ok(services::decide(&state, &p, id, solution_id, body.into_inner()).await?)
}

/// Freezes the check with a timestamp: every candidate needs a decision with a reason and
/// the check an outcome (422 otherwise, 409 when already closed).
#[utoipa::path(post, path = "/api/v1/reuse-checks/{id}/close", tag = "reuse-checks",
    responses((status = 200, body = ReuseCheck), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close_reuse_check(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
) -> ApiResult {
    ok(services::close(&state, &p, *id).await?)
}

fn file_name(c: &ReuseCheck, ext: &str) -> String {
    format!("vorrangpruefung-{}.{ext}", c.id)
}

/// The check as a German Markdown document (a download).
#[utoipa::path(get, path = "/api/v1/reuse-checks/{id}/export.md", tag = "reuse-checks",
    responses((status = 200, content_type = "text/markdown", body = String), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn export_markdown(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
) -> ApiResult {
    let c = store::get(&state.db, &p, *id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/markdown; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file_name(&c, "md")),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(export::markdown(&c, chrono::Utc::now())))
}

/// The check as a printable German HTML page (no script; print or save it as PDF in the
/// browser).
#[utoipa::path(get, path = "/api/v1/reuse-checks/{id}/export.html", tag = "reuse-checks",
    responses((status = 200, content_type = "text/html", body = String), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn export_html(state: web::Data<AppState>, p: Caller, id: web::Path<i64>) -> ApiResult {
    let c = store::get(&state.db, &p, *id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", EXPORT_CSP))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", file_name(&c, "html")),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(export::html(&c, chrono::Utc::now(), STYLESHEET_PATH)))
}

/// The export page's stylesheet.
#[utoipa::path(get, path = "/api/v1/reuse-checks/export.css", tag = "reuse-checks",
    responses((status = 200, content_type = "text/css", body = String)))]
pub async fn export_stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(export::STYLESHEET)
}
