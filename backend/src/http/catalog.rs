//! CRUD routes of the catalogue: thin adapters from HTTP to `catalog::store`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{Caller, MaybePrincipal};
use super::problem::{ApiError, Problem};
use super::reply::{created, no_content, ok, ApiResult};
use crate::auth::{audit, policy, Principal};
use crate::catalog::model::*;
use crate::catalog::store::{needs, organisations, solutions, ListParams};
use crate::catalog::vocab::*;
use crate::services::catalog as services;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/organisations")
            .route("", web::get().to(list_organisations))
            .route("", web::post().to(create_organisation))
            .route("/{id}", web::get().to(get_organisation))
            .route("/{id}", web::put().to(update_organisation))
            .route("/{id}", web::delete().to(delete_organisation)),
    )
    .service(
        web::scope("/solutions")
            .route("", web::get().to(list_solutions))
            .route("", web::post().to(create_solution))
            .route("/{id}", web::get().to(get_solution))
            .route("/{id}/verify", web::post().to(verify_solution))
            .route(
                "/{id}/publiccode",
                web::get().to(export_solution_publiccode),
            )
            .route("/{id}", web::put().to(update_solution))
            .route("/{id}", web::delete().to(delete_solution)),
    )
    .service(
        web::scope("/needs")
            .route("", web::get().to(list_needs))
            .route("", web::post().to(create_need))
            .route("/{id}", web::get().to(get_need))
            .route("/{id}", web::put().to(update_need))
            .route("/{id}", web::delete().to(delete_need)),
    );
}

/// Deletions of catalogue entries are security-relevant: who removed what.
async fn audit_deleted(
    state: &AppState,
    p: &Principal,
    kind: &str,
    id: i64,
    what: &str,
) -> Result<(), ApiError> {
    Ok(audit::record(
        &state.db,
        Some(p.user_id),
        &format!("{kind}.deleted"),
        &format!("{kind}:{id}"),
        serde_json::json!({ "name": what }),
    )
    .await?)
}

// ---- organisations -------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrganisationQuery {
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "crate::http::query::offset")]
    #[param(maximum = 9007199254740991.0)]
    pub offset: Option<u64>,
    pub sort: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub land: Option<String>,
    pub source: Option<String>,
    /// Substring of the name.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/organisations", tag = "catalog", params(OrganisationQuery),
    responses((status = 200, body = Page<Organisation>), (status = 400, body = Problem)))]
pub async fn list_organisations(
    state: web::Data<AppState>,
    q: web::Query<OrganisationQuery>,
) -> ApiResult {
    let q = q.into_inner();
    let params = ListParams {
        limit: q.limit,
        offset: q.offset,
        sort: q.sort,
    };
    let filter = organisations::OrganisationFilter {
        kind: q.kind,
        land: q.land,
        source: q.source,
        q: q.q,
    };
    ok(organisations::list(&state.db, &filter, &params).await?)
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "catalog",
    responses((status = 200, body = Organisation), (status = 404, body = Problem)))]
pub async fn get_organisation(state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult {
    ok(organisations::get(&state.db, *id).await?)
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "catalog", request_body = OrganisationInput,
    responses((status = 201, body = Organisation), (status = 422, body = Problem)))]
pub async fn create_organisation(
    p: Caller,
    state: web::Data<AppState>,
    body: web::Json<OrganisationInput>,
) -> ApiResult {
    policy::create_organisation(&p)?;
    let org = services::create_organisation(&state, body.into_inner()).await?;
    created("organisations", org.id, org)
}

#[utoipa::path(put, path = "/api/v1/organisations/{id}", tag = "catalog", request_body = OrganisationInput,
    responses((status = 200, body = Organisation), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_organisation(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<OrganisationInput>,
) -> ApiResult {
    policy::update_organisation(&p, *id)?;
    let org = services::update_organisation(&state, *id, body.into_inner()).await?;
    ok(org)
}

#[utoipa::path(delete, path = "/api/v1/organisations/{id}", tag = "catalog",
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_organisation(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    policy::delete_organisation(&p, *id)?;
    let org = organisations::get(&state.db, *id).await?;
    services::delete_organisation(&state, *id).await?;
    audit_deleted(&state, &p, "organisation", *id, &org.name).await?;
    no_content()
}

// ---- solutions -----------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SolutionQuery {
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "crate::http::query::offset")]
    #[param(maximum = 9007199254740991.0)]
    pub offset: Option<u64>,
    pub sort: Option<String>,
    pub kind: Option<SolutionKind>,
    pub maturity: Option<Maturity>,
    pub reuse_model: Option<ReuseModel>,
    pub costs_model: Option<CostsModel>,
    pub licence: Option<String>,
    pub standard: Option<String>,
    pub tag: Option<String>,
    pub themenfeld: Option<String>,
    pub provider_id: Option<i64>,
    pub source: Option<String>,
    /// Substring of the title.
    pub q: Option<String>,
    /// Only stale entries (never verified, or longer ago than `MATCHRAUM_CATALOG_STALE_AFTER_MONTHS`),
    /// or only fresh ones. Sort by freshness with `sort=last_verified_at` (oldest first).
    pub stale: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/solutions", tag = "catalog", params(SolutionQuery),
    responses((status = 200, body = Page<Solution>), (status = 400, body = Problem)))]
pub async fn list_solutions(state: web::Data<AppState>, q: web::Query<SolutionQuery>) -> ApiResult {
    let q = q.into_inner();
    let params = ListParams {
        limit: q.limit,
        offset: q.offset,
        sort: q.sort,
    };
    let filter = solutions::SolutionFilter {
        kind: q.kind,
        maturity: q.maturity,
        reuse_model: q.reuse_model,
        costs_model: q.costs_model,
        licence: q.licence,
        standard: q.standard,
        tag: q.tag,
        themenfeld: q.themenfeld,
        provider_id: q.provider_id,
        source: q.source,
        q: q.q,
        stale: q.stale,
    };
    ok(solutions::list(&state.db, &filter, &params, state.stale_cutoff()).await?)
}

#[utoipa::path(get, path = "/api/v1/solutions/{id}", tag = "catalog",
    responses((status = 200, body = Solution), (status = 404, body = Problem)))]
pub async fn get_solution(state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult {
    ok(solutions::get(&state.db, *id)
        .await?
        .marked(state.stale_cutoff()))
}

/// "Angaben sind noch aktuell": the provider's members (and operators) confirm that the
/// entry is still correct; `last_verified_at` becomes now. Audited.
#[utoipa::path(post, path = "/api/v1/solutions/{id}/verify", tag = "catalog",
    responses((status = 200, body = Solution), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn verify_solution(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    let before = solutions::get(&state.db, *id).await?;
    policy::manage_solution(&p, before.provider_id)?;
    let s = services::verify_solution(&state, *id).await?;
    audit::record(
        &state.db,
        Some(p.user_id),
        "solution.verified",
        &format!("solution:{id}"),
        serde_json::json!({"previous": before.last_verified_at}),
    )
    .await?;
    ok(s.marked(state.stale_cutoff()))
}

/// The solution as a publiccode.yml document (version 0.7): `organisation` is the provider
/// with our page of it as `uri`, `usedBy` the organisations using it.
#[utoipa::path(get, path = "/api/v1/solutions/{id}/publiccode", tag = "catalog",
    responses((status = 200, description = "publiccode.yml", content_type = "application/yaml", body = Object),
        (status = 404, body = Problem)))]
pub async fn export_solution_publiccode(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    use super::open_data;
    let (s, provider) = open_data::solution_with_provider(&state, *id).await?;
    let rel = crate::import::publiccode::Related {
        provider: provider.as_ref(),
        provider_uri: provider
            .as_ref()
            .map(|p| open_data::urls(&state).organisation_page(p.id)),
        used_by: open_data::used_by(&state, s.id).await?,
    };
    let body = crate::import::publiccode::export(&s, &rel);
    Ok(HttpResponse::Ok()
        .content_type("application/yaml")
        .body(body))
}

#[utoipa::path(post, path = "/api/v1/solutions", tag = "catalog", request_body = SolutionInput,
    responses((status = 201, body = Solution), (status = 422, body = Problem)))]
pub async fn create_solution(
    p: Caller,
    state: web::Data<AppState>,
    body: web::Json<SolutionInput>,
) -> ApiResult {
    policy::manage_solution(&p, body.provider_id)?;
    let s = services::create_solution(&state, body.into_inner()).await?;
    created("solutions", s.id, s.marked(state.stale_cutoff()))
}

#[utoipa::path(put, path = "/api/v1/solutions/{id}", tag = "catalog", request_body = SolutionInput,
    responses((status = 200, body = Solution), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_solution(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<SolutionInput>,
) -> ApiResult {
    policy::manage_solution(&p, solutions::get(&state.db, *id).await?.provider_id)?;
    policy::manage_solution(&p, body.provider_id)?;
    let s = services::update_solution(&state, *id, body.into_inner()).await?;
    ok(s.marked(state.stale_cutoff()))
}

#[utoipa::path(delete, path = "/api/v1/solutions/{id}", tag = "catalog",
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_solution(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    let s = solutions::get(&state.db, *id).await?;
    policy::manage_solution(&p, s.provider_id)?;
    services::delete_solution(&state, *id).await?;
    audit_deleted(&state, &p, "solution", *id, &s.title).await?;
    no_content()
}

// ---- needs ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NeedQuery {
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "crate::http::query::offset")]
    #[param(maximum = 9007199254740991.0)]
    pub offset: Option<u64>,
    pub sort: Option<String>,
    pub organisation_id: Option<i64>,
    pub status: Option<NeedStatus>,
    pub visibility: Option<Visibility>,
}

#[utoipa::path(get, path = "/api/v1/needs", tag = "catalog", params(NeedQuery),
    responses((status = 200, body = Page<Need>), (status = 400, body = Problem)))]
pub async fn list_needs(
    MaybePrincipal(p): MaybePrincipal,
    state: web::Data<AppState>,
    q: web::Query<NeedQuery>,
) -> ApiResult {
    let q = q.into_inner();
    let params = ListParams {
        limit: q.limit,
        offset: q.offset,
        sort: q.sort,
    };
    let filter = needs::NeedFilter {
        organisation_id: q.organisation_id,
        status: q.status,
        visibility: q.visibility,
        audience: policy::need_audience(p.as_ref()),
    };
    ok(needs::list(&state.db, &filter, &params).await?)
}

#[utoipa::path(get, path = "/api/v1/needs/{id}", tag = "catalog",
    responses((status = 200, body = Need), (status = 404, body = Problem)))]
pub async fn get_need(
    MaybePrincipal(p): MaybePrincipal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    let n = needs::get(&state.db, *id).await?;
    policy::view_need(p.as_ref(), &n)?;
    ok(n)
}

#[utoipa::path(post, path = "/api/v1/needs", tag = "catalog", request_body = NeedInput,
    responses((status = 201, body = Need), (status = 422, body = Problem)))]
pub async fn create_need(
    p: Caller,
    state: web::Data<AppState>,
    body: web::Json<NeedInput>,
) -> ApiResult {
    policy::manage_need(&p, body.organisation_id)?;
    let n = services::create_need(&state, body.into_inner()).await?;
    created("needs", n.id, n)
}

#[utoipa::path(put, path = "/api/v1/needs/{id}", tag = "catalog", request_body = NeedInput,
    responses((status = 200, body = Need), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_need(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<NeedInput>,
) -> ApiResult {
    let existing = needs::get(&state.db, *id).await?;
    policy::view_need(Some(&p), &existing)?;
    policy::manage_need(&p, existing.organisation_id)?;
    policy::manage_need(&p, body.organisation_id)?;
    let n = services::update_need(&state, *id, body.into_inner()).await?;
    ok(n)
}

#[utoipa::path(delete, path = "/api/v1/needs/{id}", tag = "catalog",
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_need(p: Caller, state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult {
    let n = needs::get(&state.db, *id).await?;
    policy::view_need(Some(&p), &n)?;
    policy::manage_need(&p, n.organisation_id)?;
    services::delete_need(&state, *id).await?;
    audit_deleted(&state, &p, "need", *id, &n.title).await?;
    no_content()
}
