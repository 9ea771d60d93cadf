//! Reports of messages and their resolution.

use super::*;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/messages/{id}/report", tag = "community", request_body = ReportInput,
    responses((status = 201, body = Report)))]
pub async fn report(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<ReportInput>,
) -> ApiResult {
    let r = store::report_message(&state.db, &p, *id, body.into_inner().reason).await?;
    Ok(HttpResponse::Created().json(r))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// open (default), resolved or dismissed.
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/channels/{id}/reports", tag = "community", params(ReportParams),
    responses((status = 200, body = Vec<Report>), (status = 403, body = Problem)))]
pub async fn channel_reports(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    q: web::Query<ReportParams>,
) -> ApiResult {
    ok(store::reports(&state.db, &p, Some(*id), q.into_inner().status).await?)
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "community", params(ReportParams),
    responses((status = 200, body = Vec<Report>), (status = 403, body = Problem)))]
pub async fn all_reports(
    state: web::Data<AppState>,
    p: Caller,
    q: web::Query<ReportParams>,
) -> ApiResult {
    ok(store::reports(&state.db, &p, None, q.into_inner().status).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// dismiss, hide or delete.
    pub action: ResolveAction,
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/resolve", tag = "community", request_body = ResolveInput,
    responses((status = 200, body = Report), (status = 403, body = Problem)))]
pub async fn resolve_report(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<ResolveInput>,
) -> ApiResult {
    let (r, _) = services::resolve_report(&state, &p, *id, body.action).await?;
    audit_mod(
        &state,
        &p,
        "report.resolve",
        format!("report:{id}"),
        serde_json::json!({"action": body.action, "message_id": r.message_id}),
    )
    .await;
    ok(r)
}
