//! Bundling (Bündler): the "bundles for" relation between a bundling organisation and its
//! clients, the clients' interests as the bundler sees them, and bundled expressions.
//! Thin adapters over `adoption::{policy, bundling}` and `services::adoption`.

use actix_web::{web, HttpResponse};

use super::extract::Caller;
use super::problem::Problem;
use super::reply::{no_content, ok, ApiResult};
use crate::adoption::model::{
    BundledInput, Bundling, BundlingInput, ClientInterests, Interest, Target, Threshold,
    ThresholdInput,
};
use crate::adoption::{bundling, policy, store};
use crate::services::adoption as services;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/organisations/{id}/bundlings",
        web::get().to(list_bundlings),
    )
    .route(
        "/organisations/{id}/bundlings",
        web::post().to(propose_bundling),
    )
    .route(
        "/organisations/{id}/client-interests",
        web::get().to(client_interests),
    )
    .route(
        "/organisations/{id}/bundled-interests/solutions/{solution_id}",
        web::put().to(submit_bundled),
    )
    .route(
        "/organisations/{id}/bundled-interests/solutions/{solution_id}/threshold",
        web::put().to(put_bundler_threshold),
    )
    .route(
        "/organisations/{id}/bundled-interests/solutions/{solution_id}/threshold",
        web::delete().to(delete_bundler_threshold),
    )
    .route("/bundlings/{id}/accept", web::post().to(accept_bundling))
    .route("/bundlings/{id}/decline", web::post().to(decline_bundling))
    .route("/bundlings/{id}", web::delete().to(end_bundling));
}

async fn listed(state: &AppState, org: i64, id: i64) -> ApiResult {
    let all = bundling::for_organisation(&state.db, org).await?;
    match all.into_iter().find(|b| b.id == id) {
        Some(b) => Ok(HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/organisations/{org}/bundlings")))
            .json(b)),
        None => {
            Err(matchraum_core::Error::Missing("the bundling was ended meanwhile".into()).into())
        }
    }
}

/// The organisation's bundlings, as bundler and as client: its members and operators.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/bundlings", tag = "adoption",
    responses((status = 200, body = [Bundling]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_bundlings(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    policy::read_bundlings(&p, *id)?;
    ok(bundling::for_organisation(&state.db, *id).await?)
}

/// The organisation (as bundler; its admins) proposes to bundle for a client organisation,
/// whose members are told; the client's admins accept or decline.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/bundlings", tag = "adoption", request_body = BundlingInput,
    responses((status = 201, body = Bundling), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn propose_bundling(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<BundlingInput>,
) -> ApiResult {
    policy::propose_bundling(&p, *id)?;
    state.auth.limiter.check_interest(p.user_id).await?;
    let bid = services::propose_bundling(&state, &p, *id, body.client_id).await?;
    listed(&state, *id, bid).await
}

async fn answer(state: &AppState, p: &Caller, id: i64, accept: bool) -> ApiResult {
    let m = bundling::get(&state.db, id).await?;
    policy::see_bundling(p, id, m.bundler_id, m.client_id)?;
    policy::answer_bundling(p, m.client_id)?;
    let client = m.client_id;
    services::answer_bundling(state, p, m, accept).await?;
    let all = bundling::for_organisation(&state.db, client).await?;
    ok(all.into_iter().find(|b| b.id == id))
}

/// The client's admins accept: from now on the bundler sees the client's interests and may
/// submit bundled expressions for it.
#[utoipa::path(post, path = "/api/v1/bundlings/{id}/accept", tag = "adoption",
    responses((status = 200, body = Bundling), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn accept_bundling(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    answer(&state, &p, *id, true).await
}

/// The client's admins decline (the bundler may propose again later).
#[utoipa::path(post, path = "/api/v1/bundlings/{id}/decline", tag = "adoption",
    responses((status = 200, body = Bundling), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn decline_bundling(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    answer(&state, &p, *id, false).await
}

/// Either side's admins end a bundling; the interests submitted through it stay.
#[utoipa::path(delete, path = "/api/v1/bundlings/{id}", tag = "adoption",
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn end_bundling(p: Caller, state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult {
    let m = bundling::get(&state.db, *id).await?;
    policy::see_bundling(&p, *id, m.bundler_id, m.client_id)?;
    policy::end_bundling(&p, m.bundler_id, m.client_id)?;
    services::end_bundling(&state, &p, m).await?;
    no_content()
}

/// The accepted clients' interests in solutions, per solution: the bundler's members.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/client-interests", tag = "adoption",
    responses((status = 200, body = [ClientInterests]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn client_interests(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    policy::read_bundlings(&p, *id)?;
    ok(bundling::client_interests(&state.db, *id).await?)
}

/// One bundled expression: the same interest for several accepted clients, submitted by the
/// bundler (its members). Each client counts once in the aggregate.
#[utoipa::path(put, path = "/api/v1/organisations/{id}/bundled-interests/solutions/{solution_id}", tag = "adoption", request_body = BundledInput,
    params(("id" = i64, Path, description = "the bundling organisation"), ("solution_id" = i64, Path, description = "the solution")),
    responses((status = 200, body = [Interest]), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn submit_bundled(
    p: Caller,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    body: web::Json<BundledInput>,
) -> ApiResult {
    let (bundler, solution) = path.into_inner();
    policy::submit_bundled(&p, bundler)?;
    state.auth.limiter.check_interest(p.user_id).await?;
    let target = Target::Solution(solution);
    ok(services::submit_bundled(&state, &p, bundler, target, body.into_inner()).await?)
}

/// The bundler's threshold for its clients' interest in a solution ("ab 5 unserer
/// Kommunen starten wir"): its admins. Only accepted clients' interest counts; reaching it
/// opens a development community channel with the signing clients, the bundler's and the
/// provider's members, tells them live and is audited.
#[utoipa::path(put, path = "/api/v1/organisations/{id}/bundled-interests/solutions/{solution_id}/threshold", tag = "adoption", request_body = ThresholdInput,
    params(("id" = i64, Path, description = "the bundling organisation"), ("solution_id" = i64, Path, description = "the solution")),
    responses((status = 200, body = Threshold), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_bundler_threshold(
    p: Caller,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    body: web::Json<ThresholdInput>,
) -> ApiResult {
    let (bundler, solution) = path.into_inner();
    let target = Target::Solution(solution);
    let owner = store::owner(&state.db, Some(&p), target).await?;
    policy::manage_bundler_threshold(&p, bundler, owner)?;
    ok(services::set_threshold(&state, &p, bundler, target, body.into_inner()).await?)
}

/// Removes the bundler's threshold while it is not reached: its admins.
#[utoipa::path(delete, path = "/api/v1/organisations/{id}/bundled-interests/solutions/{solution_id}/threshold", tag = "adoption",
    params(("id" = i64, Path, description = "the bundling organisation"), ("solution_id" = i64, Path, description = "the solution")),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_bundler_threshold(
    p: Caller,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> ApiResult {
    let (bundler, solution) = path.into_inner();
    let target = Target::Solution(solution);
    let owner = store::owner(&state.db, Some(&p), target).await?;
    policy::manage_bundler_threshold(&p, bundler, owner)?;
    services::remove_threshold(&state, &p, bundler, target).await?;
    no_content()
}
