//! Interest in solutions and needs: the caller's organisation's own interest
//! (`…/interest`) and the overview (`…/interests`). Thin adapters over
//! `adoption::{policy, store}` and `services::adoption`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{Caller, MaybePrincipal};
use super::problem::Problem;
use super::reply::{no_content, ok, ApiResult};
use crate::adoption::model::{
    Interest, InterestInput, InterestOverview, Target, Threshold, ThresholdInput,
};
use crate::adoption::{policy, store, thresholds};
use crate::services::adoption as services;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/solutions/{id}/interest",
        web::get().to(get_solution_interest),
    )
    .route(
        "/solutions/{id}/interest",
        web::put().to(put_solution_interest),
    )
    .route(
        "/solutions/{id}/interest",
        web::delete().to(delete_solution_interest),
    )
    .route(
        "/solutions/{id}/interests",
        web::get().to(solution_interests),
    )
    .route("/needs/{id}/interest", web::get().to(get_need_interest))
    .route("/needs/{id}/interest", web::put().to(put_need_interest))
    .route(
        "/needs/{id}/interest",
        web::delete().to(delete_need_interest),
    )
    .route("/needs/{id}/interests", web::get().to(need_interests))
    .route(
        "/solutions/{id}/threshold",
        web::put().to(put_solution_threshold),
    )
    .route(
        "/solutions/{id}/threshold",
        web::delete().to(delete_solution_threshold),
    )
    .route("/needs/{id}/threshold", web::put().to(put_need_threshold))
    .route(
        "/needs/{id}/threshold",
        web::delete().to(delete_need_threshold),
    );
}

/// For whom the caller acts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrganisationChoice {
    /// The organisation whose interest it is; needed only when the caller belongs to
    /// several.
    pub organisation: Option<i64>,
}

async fn own(state: &AppState, p: &Caller, target: Target, q: OrganisationChoice) -> ApiResult {
    let org = policy::acting_organisation(p, q.organisation)?;
    policy::read_own(p, org)?;
    store::owner(&state.db, Some(p), target).await?;
    ok(store::own(&state.db, org, target).await?)
}

async fn put(
    state: &AppState,
    req: &actix_web::HttpRequest,
    p: &Caller,
    target: Target,
    q: OrganisationChoice,
    input: InterestInput,
) -> ApiResult {
    let org = policy::acting_organisation(p, q.organisation)?;
    policy::express(p, org)?;
    state.auth.limiter.check_interest(p.user_id).await?;
    let (interest, created) = services::express_interest(state, p, org, target, input).await?;
    let mut res = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res
        .insert_header(("Location", req.path().to_owned()))
        .json(interest))
}

async fn withdraw(
    state: &AppState,
    p: &Caller,
    target: Target,
    q: OrganisationChoice,
) -> ApiResult {
    let org = policy::acting_organisation(p, q.organisation)?;
    policy::express(p, org)?;
    services::withdraw_interest(state, p, org, target).await?;
    no_content()
}

async fn overview(
    state: &AppState,
    p: Option<&crate::auth::Principal>,
    target: Target,
) -> ApiResult {
    let owner = store::owner(&state.db, p, target).await?;
    let owner_view = policy::sees_names(p, owner);
    let mine = match p {
        Some(p) => store::of_organisations(&state.db, &p.organisation_ids(), target).await?,
        None => Vec::new(),
    };
    let entries = if owner_view {
        Some(store::named(&state.db, target).await?)
    } else {
        None
    };
    let summary = store::summary(&state.db, target).await?;
    let thresholds = thresholds::for_target(&state.db, target, owner, &summary).await?;
    ok(InterestOverview {
        summary,
        mine,
        entries,
        owner_view,
        thresholds,
    })
}

async fn set_threshold(
    state: &AppState,
    p: &Caller,
    target: Target,
    input: ThresholdInput,
) -> ApiResult {
    let owner = policy::manage_threshold(p, store::owner(&state.db, Some(p), target).await?)?;
    ok(services::set_threshold(state, p, owner, target, input).await?)
}

async fn remove_threshold(state: &AppState, p: &Caller, target: Target) -> ApiResult {
    let owner = policy::manage_threshold(p, store::owner(&state.db, Some(p), target).await?)?;
    services::remove_threshold(state, p, owner, target).await?;
    no_content()
}

// ---- solutions ---------------------------------------------------------------------------

/// The caller's organisation's interest in the solution (404 when it has none).
#[utoipa::path(get, path = "/api/v1/solutions/{id}/interest", tag = "adoption", params(OrganisationChoice),
    responses((status = 200, body = Interest), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_solution_interest(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<OrganisationChoice>,
) -> ApiResult {
    own(&state, &p, Target::Solution(*id), q.into_inner()).await
}

/// Sets (201) or changes (200) the caller's organisation's interest in the solution; the
/// provider's members are told live.
#[utoipa::path(put, path = "/api/v1/solutions/{id}/interest", tag = "adoption", params(OrganisationChoice), request_body = InterestInput,
    responses((status = 200, body = Interest), (status = 201, body = Interest), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn put_solution_interest(
    p: Caller,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<i64>,
    q: web::Query<OrganisationChoice>,
    body: web::Json<InterestInput>,
) -> ApiResult {
    let target = Target::Solution(*id);
    put(&state, &req, &p, target, q.into_inner(), body.into_inner()).await
}

/// Withdraws the caller's organisation's interest in the solution.
#[utoipa::path(delete, path = "/api/v1/solutions/{id}/interest", tag = "adoption", params(OrganisationChoice),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_solution_interest(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<OrganisationChoice>,
) -> ApiResult {
    withdraw(&state, &p, Target::Solution(*id), q.into_inner()).await
}

/// Who is interested in the solution: the aggregate for everyone, the caller's own
/// organisations' interests, and the list by name for the provider's members and operators.
#[utoipa::path(get, path = "/api/v1/solutions/{id}/interests", tag = "adoption",
    responses((status = 200, body = InterestOverview), (status = 404, body = Problem)))]
pub async fn solution_interests(
    MaybePrincipal(p): MaybePrincipal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    overview(&state, p.as_ref(), Target::Solution(*id)).await
}

// ---- needs -------------------------------------------------------------------------------

/// The caller's organisation's interest in the need (404 when it has none).
#[utoipa::path(get, path = "/api/v1/needs/{id}/interest", tag = "adoption", params(OrganisationChoice),
    responses((status = 200, body = Interest), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_need_interest(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<OrganisationChoice>,
) -> ApiResult {
    own(&state, &p, Target::Need(*id), q.into_inner()).await
}

/// Sets (201) or changes (200) the caller's organisation's interest in the need ("we
/// have this problem too"); the need's organisation is told live.
#[utoipa::path(put, path = "/api/v1/needs/{id}/interest", tag = "adoption", params(OrganisationChoice), request_body = InterestInput,
    responses((status = 200, body = Interest), (status = 201, body = Interest), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn put_need_interest(
    p: Caller,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<i64>,
    q: web::Query<OrganisationChoice>,
    body: web::Json<InterestInput>,
) -> ApiResult {
    let target = Target::Need(*id);
    put(&state, &req, &p, target, q.into_inner(), body.into_inner()).await
}

/// Withdraws the caller's organisation's interest in the need.
#[utoipa::path(delete, path = "/api/v1/needs/{id}/interest", tag = "adoption", params(OrganisationChoice),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_need_interest(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<OrganisationChoice>,
) -> ApiResult {
    withdraw(&state, &p, Target::Need(*id), q.into_inner()).await
}

/// Who is interested in the need: the aggregate for everyone, the list by name for the
/// need's organisation and operators (a private need is 404 for outsiders).
#[utoipa::path(get, path = "/api/v1/needs/{id}/interests", tag = "adoption",
    responses((status = 200, body = InterestOverview), (status = 404, body = Problem)))]
pub async fn need_interests(
    MaybePrincipal(p): MaybePrincipal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    overview(&state, p.as_ref(), Target::Need(*id)).await
}

// ---- thresholds --------------------------------------------------------------------------

/// Sets the provider's threshold ("ab 10 Absichtserklärungen starten wir"): provider
/// members. Reaching it opens a development community channel with the signers and the
/// provider's members, once; everybody concerned is told live.
#[utoipa::path(put, path = "/api/v1/solutions/{id}/threshold", tag = "adoption", request_body = ThresholdInput,
    responses((status = 200, body = Threshold), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_solution_threshold(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<ThresholdInput>,
) -> ApiResult {
    set_threshold(&state, &p, Target::Solution(*id), body.into_inner()).await
}

/// Removes the provider's threshold while it is not reached.
#[utoipa::path(delete, path = "/api/v1/solutions/{id}/threshold", tag = "adoption",
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn delete_solution_threshold(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    remove_threshold(&state, &p, Target::Solution(*id)).await
}

/// Sets the need's organisation's threshold: from how many organisations with the same
/// need it opens a development community.
#[utoipa::path(put, path = "/api/v1/needs/{id}/threshold", tag = "adoption", request_body = ThresholdInput,
    responses((status = 200, body = Threshold), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_need_threshold(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<ThresholdInput>,
) -> ApiResult {
    set_threshold(&state, &p, Target::Need(*id), body.into_inner()).await
}

/// Removes the need's organisation's threshold while it is not reached.
#[utoipa::path(delete, path = "/api/v1/needs/{id}/threshold", tag = "adoption",
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn delete_need_threshold(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    remove_threshold(&state, &p, Target::Need(*id)).await
}
