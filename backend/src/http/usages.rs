//! Usages (who uses which solution, claimed or confirmed) and the experience reports on
//! them: thin adapters over `services::usages` and `catalog::store`.

use actix_web::web;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{Caller, MaybePrincipal};
use super::problem::Problem;
use super::reply::{created, no_content, ok, ApiResult};
use crate::auth::policy;
use crate::catalog::model::*;
use crate::catalog::store::usages::Verdict;
use crate::catalog::store::{experiences, solutions, usages, ListParams};
use crate::catalog::vocab::*;
use crate::services::usages as services;
use crate::state::AppState;

/// Mount before the catalogue: `/solutions/{id}/usages` must win over its scope.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/solutions/{id}/usages",
        web::post().to(claim_solution_usage),
    )
    .route(
        "/solutions/{id}/experiences",
        web::get().to(solution_experiences),
    )
    .service(
        web::scope("/usages")
            .route("", web::get().to(list_usages))
            .route("", web::post().to(create_usage))
            .route("/{id}", web::get().to(get_usage))
            .route("/{id}", web::put().to(update_usage))
            .route("/{id}", web::delete().to(delete_usage))
            .route("/{id}/confirm", web::post().to(confirm_usage))
            .route("/{id}/reject", web::post().to(reject_usage))
            .route("/{id}/experiences", web::post().to(create_experience)),
    )
    .service(
        web::scope("/experiences")
            .route("/{id}", web::put().to(update_experience))
            .route("/{id}", web::delete().to(delete_experience)),
    );
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "crate::http::query::offset")]
    #[param(maximum = 9007199254740991.0)]
    pub offset: Option<u64>,
    pub sort: Option<String>,
    pub solution_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub status: Option<UsageStatus>,
    /// Only claimed, confirmed or rejected usages.
    pub verification: Option<UsageVerification>,
}

#[utoipa::path(get, path = "/api/v1/usages", tag = "catalog", params(UsageQuery),
    responses((status = 200, body = Page<Usage>), (status = 400, body = Problem)))]
pub async fn list_usages(state: web::Data<AppState>, q: web::Query<UsageQuery>) -> ApiResult {
    let q = q.into_inner();
    let params = ListParams {
        limit: q.limit,
        offset: q.offset,
        sort: q.sort,
    };
    let filter = usages::UsageFilter {
        solution_id: q.solution_id,
        organisation_id: q.organisation_id,
        status: q.status,
        verification: q.verification,
    };
    ok(usages::list(&state.db, &filter, &params).await?)
}

#[utoipa::path(get, path = "/api/v1/usages/{id}", tag = "catalog",
    responses((status = 200, body = Usage), (status = 404, body = Problem)))]
pub async fn get_usage(state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult {
    ok(usages::get(&state.db, *id).await?)
}

async fn record(p: &Caller, state: &AppState, input: UsageInput) -> ApiResult {
    state.auth.limiter.check_usage_claim(p.user_id).await?;
    let u = services::record(state, p, input).await?;
    created("usages", u.id, u)
}

/// An organisation records its own usage (confirmed at once); operators may record one
/// for any organisation (a claim until its members confirm it). Anyone else claims on
/// the solution (`POST /solutions/{id}/usages`).
#[utoipa::path(post, path = "/api/v1/usages", tag = "catalog", request_body = UsageInput,
    responses((status = 201, body = Usage), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_usage(
    p: Caller,
    state: web::Data<AppState>,
    body: web::Json<UsageInput>,
) -> ApiResult {
    policy::manage_usage(&p, body.organisation_id)?;
    record(&p, &state, body.into_inner()).await
}

/// "Organisation X uses this solution", said by any member of an organisation: a claim
/// until a member of X confirms it (from X's own members: confirmed at once).
#[utoipa::path(post, path = "/api/v1/solutions/{id}/usages", tag = "catalog", request_body = UsageClaim,
    responses((status = 201, body = Usage), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn claim_solution_usage(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<UsageClaim>,
) -> ApiResult {
    policy::claim_usage(&p, body.organisation_id)?;
    let solution = solutions::get(&state.db, *id).await?;
    record(&p, &state, body.into_inner().into_input(solution.id)).await
}

#[utoipa::path(put, path = "/api/v1/usages/{id}", tag = "catalog", request_body = UsageInput,
    responses((status = 200, body = Usage), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_usage(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<UsageInput>,
) -> ApiResult {
    policy::manage_usage(&p, usages::get(&state.db, *id).await?.organisation_id)?;
    policy::manage_usage(&p, body.organisation_id)?;
    ok(services::update(&state, &p, *id, body.into_inner()).await?)
}

#[utoipa::path(delete, path = "/api/v1/usages/{id}", tag = "catalog",
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_usage(p: Caller, state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult {
    let u = usages::get(&state.db, *id).await?;
    policy::manage_usage(&p, u.organisation_id)?;
    services::delete(&state, &p, &u).await?;
    no_content()
}

async fn decide(p: &Caller, state: &AppState, id: i64, verdict: Verdict) -> ApiResult {
    let u = usages::get(&state.db, id).await?;
    policy::decide_usage(p, u.organisation_id)?;
    ok(services::decide(state, p, id, verdict).await?)
}

/// A member of the using organisation confirms the usage (again: a confirmation asks to
/// be renewed after `MATCHRAUM_CATALOG_USAGE_RECONFIRM_MONTHS`).
#[utoipa::path(post, path = "/api/v1/usages/{id}/confirm", tag = "catalog",
    responses((status = 200, body = Usage), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn confirm_usage(p: Caller, state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult {
    decide(&p, &state, *id, Verdict::Confirm).await
}

/// A member of the using organisation rejects what is claimed about it.
#[utoipa::path(post, path = "/api/v1/usages/{id}/reject", tag = "catalog",
    responses((status = 200, body = Usage), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn reject_usage(p: Caller, state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult {
    decide(&p, &state, *id, Verdict::Reject).await
}

// ---- experience reports ----------------------------------------------------------------

/// The experience reports on a solution's usages, newest first. Contacts are shown to
/// signed-in callers only.
#[utoipa::path(get, path = "/api/v1/solutions/{id}/experiences", tag = "catalog",
    responses((status = 200, body = Vec<Experience>), (status = 404, body = Problem)))]
pub async fn solution_experiences(
    MaybePrincipal(p): MaybePrincipal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    let solution = solutions::get(&state.db, *id).await?;
    let mut list = experiences::for_solution(&state.db, solution.id).await?;
    if p.is_none() {
        for e in &mut list {
            e.contact = None;
        }
    }
    ok(list)
}

#[utoipa::path(post, path = "/api/v1/usages/{id}/experiences", tag = "catalog", request_body = ExperienceInput,
    responses((status = 201, body = Experience), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_experience(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<ExperienceInput>,
) -> ApiResult {
    let u = usages::get(&state.db, *id).await?;
    policy::write_experience(&p, u.organisation_id)?;
    let e = services::add_experience(&state, &p, u.id, body.into_inner()).await?;
    created("experiences", e.id, e)
}

#[utoipa::path(put, path = "/api/v1/experiences/{id}", tag = "catalog", request_body = ExperienceInput,
    responses((status = 200, body = Experience), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_experience(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<ExperienceInput>,
) -> ApiResult {
    let e = experiences::get(&state.db, *id).await?;
    policy::write_experience(&p, e.organisation_id)?;
    ok(services::update_experience(&state, &p, e.id, body.into_inner()).await?)
}

#[utoipa::path(delete, path = "/api/v1/experiences/{id}", tag = "catalog",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_experience(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    let e = experiences::get(&state.db, *id).await?;
    policy::remove_experience(&p, e.organisation_id)?;
    services::delete_experience(&state, &p, &e).await?;
    no_content()
}
