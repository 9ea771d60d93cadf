//! Q&A: accepting answers, questions, similar questions.

use super::*;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// The accepted answer; `null` withdraws the acceptance.
    pub answer_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/messages/{id}/accept", tag = "community", request_body = AcceptInput,
    responses((status = 200, body = Message), (status = 403, body = Problem)))]
pub async fn accept(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<AcceptInput>,
) -> ApiResult {
    let m = services::accept_answer(&state, &p, *id, body.answer_id).await?;
    ok(m)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QuestionParams {
    pub status: Option<QuestionStatus>,
    pub limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/channels/{id}/questions", tag = "community", params(QuestionParams),
    responses((status = 200, body = Vec<Question>)))]
pub async fn questions(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    id: web::Path<i64>,
    q: web::Query<QuestionParams>,
) -> ApiResult {
    ok(store::questions(
        &state.db,
        p.0.as_ref(),
        *id,
        q.status,
        q.limit.unwrap_or(store::DEFAULT_PAGE),
    )
    .await?)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SimilarParams {
    /// The question being written.
    pub text: String,
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/channels/{id}/questions/similar", tag = "community", params(SimilarParams),
    responses((status = 200, body = Vec<SimilarQuestion>)))]
pub async fn similar_questions(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    id: web::Path<i64>,
    q: web::Query<SimilarParams>,
) -> ApiResult {
    store::readable(&state.db, *id, p.0.as_ref()).await?;
    if q.text.trim().is_empty() || q.text.len() > 4000 {
        return Err(ApiError::validation("text", "text: 1 to 4000 bytes"));
    }
    ok(crate::services::questions::similar_questions(
        &state,
        *id,
        &q.text,
        None,
        q.limit.unwrap_or(5).clamp(1, 20),
    )
    .await)
}
