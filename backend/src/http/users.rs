//! The account directory for operators: `GET /api/v1/users` (roles are changed through
//! `PUT /api/v1/users/{id}/role` in `accounts`).

use actix_web::{http::header, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::Caller;
use super::problem::Problem;
use super::reply::ApiResult;
use crate::auth::{directory, policy};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list_users));
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Substring of the e-mail address or the display name (case-insensitive).
    pub q: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "crate::http::query::offset")]
    #[param(maximum = 9007199254740991.0)]
    pub offset: Option<u64>,
}

/// Accounts with their platform role, oldest first (operators).
#[utoipa::path(get, path = "/api/v1/users", tag = "auth", params(UserQuery),
    responses((status = 200, body = crate::catalog::model::Page<directory::AccountSummary>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_users(
    state: web::Data<AppState>,
    p: Caller,
    q: web::Query<UserQuery>,
) -> ApiResult {
    policy::list_users(&p)?;
    let page = directory::list(
        &state.db,
        q.q.as_deref(),
        q.limit.unwrap_or(50),
        q.offset.unwrap_or(0),
    )
    .await?;
    // Personal data: never kept in a cache.
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}
