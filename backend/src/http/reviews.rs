//! The review register ("Einer prüft für alle"): thin adapters over `services::reviews`
//! and `reviews::store`. Files are uploaded as the raw request body (bounded by
//! `MATCHRAUM_REVIEWS_MAX_FILE_BYTES`, type checked by content) and only ever served as
//! attachments with their real type and `nosniff`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{Caller, MaybePrincipal};
use super::problem::{ApiError, Problem, ProblemKind};
use super::reply::{created, no_content, ok, ApiResult};
use crate::catalog::store::solutions;
use crate::reviews::model::{ReuseInput, Review, ReviewInput};
use crate::reviews::{policy, store};
use crate::services::reviews as services;
use crate::state::AppState;

/// Mount before the catalogue: `/solutions/{id}/reviews` must win over its scope.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/solutions/{id}/reviews", web::get().to(solution_reviews))
        .route("/solutions/{id}/reviews", web::post().to(create_review))
        .service(
            web::scope("/reviews")
                .route("/{id}", web::get().to(get_review))
                .route("/{id}", web::put().to(update_review))
                .route("/{id}", web::delete().to(delete_review))
                .route("/{id}/file", web::put().to(upload_review_file))
                .route("/{id}/file", web::get().to(download_review_file))
                .route("/{id}/reuses", web::post().to(mark_review_reused))
                .route(
                    "/{id}/reuses/{organisation_id}",
                    web::delete().to(unmark_review_reused),
                ),
        );
}

/// A review the caller may see, else the 404 of one that does not exist.
async fn visible(
    state: &AppState,
    p: Option<&crate::auth::Principal>,
    id: i64,
) -> Result<Review, ApiError> {
    let r = store::get(&state.db, id).await?;
    policy::view(p, &r)?;
    Ok(r)
}

/// The reviews of a solution the caller may see, newest first; expired ones are flagged.
#[utoipa::path(get, path = "/api/v1/solutions/{id}/reviews", tag = "reviews",
    responses((status = 200, body = Vec<Review>), (status = 404, body = Problem)))]
pub async fn solution_reviews(
    MaybePrincipal(p): MaybePrincipal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    let s = solutions::get(&state.db, *id).await?;
    let mut list = store::for_solution(&state.db, s.id).await?;
    list.retain(|r| policy::can_view(p.as_ref(), r.visibility, r.organisation_id));
    ok(list)
}

#[utoipa::path(post, path = "/api/v1/solutions/{id}/reviews", tag = "reviews", request_body = ReviewInput,
    responses((status = 201, body = Review), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_review(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<ReviewInput>,
) -> ApiResult {
    policy::manage(&p, body.organisation_id)?;
    state.auth.limiter.check_review(p.user_id).await?;
    let r = services::create(&state, &p, *id, body.into_inner()).await?;
    created("reviews", r.id, r)
}

#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "reviews",
    responses((status = 200, body = Review), (status = 404, body = Problem)))]
pub async fn get_review(
    MaybePrincipal(p): MaybePrincipal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    ok(visible(&state, p.as_ref(), *id).await?)
}

#[utoipa::path(put, path = "/api/v1/reviews/{id}", tag = "reviews", request_body = ReviewInput,
    responses((status = 200, body = Review), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_review(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<ReviewInput>,
) -> ApiResult {
    let r = visible(&state, Some(&p.0), *id).await?;
    policy::manage(&p, r.organisation_id)?;
    policy::manage(&p, body.organisation_id)?;
    ok(services::update(&state, &p, r.id, body.into_inner()).await?)
}

#[utoipa::path(delete, path = "/api/v1/reviews/{id}", tag = "reviews",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_review(p: Caller, state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult {
    let r = visible(&state, Some(&p.0), *id).await?;
    policy::manage(&p, r.organisation_id)?;
    services::delete(&state, &p, &r).await?;
    no_content()
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name as the uploader knows it (kept for the download, with the
    /// extension of the recognised type).
    pub name: String,
}

/// Uploads (or replaces) the review's file as the raw body: PDF, ODT or Markdown,
/// recognised by content (the `Content-Type` sent is not trusted).
#[utoipa::path(put, path = "/api/v1/reviews/{id}/file", tag = "reviews", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = Review), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_review_file(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<UploadQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> ApiResult {
    let r = visible(&state, Some(&p.0), *id).await?;
    policy::manage(&p, r.organisation_id)?;
    state.auth.limiter.check_review(p.user_id).await?;
    let bytes = read_bounded(&req, body, state.config.reviews.max_file_bytes).await?;
    ok(services::attach_file(&state, &p, r.id, &q.name, bytes).await?)
}

/// Reads the body up to `max` bytes; past it 413 (told early by `Content-Length`).
async fn read_bounded(
    req: &HttpRequest,
    mut body: web::Payload,
    max: usize,
) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            ProblemKind::PayloadTooLarge,
            format!("review files may have at most {max} bytes"),
        )
    };
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let mut out = Vec::with_capacity(announced.unwrap_or(0).min(max));
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                ProblemKind::MalformedJson,
                format!("the upload broke off: {e}"),
            )
        })?;
        if out.len() + chunk.len() > max {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// The review's file, always as an attachment (never rendered inline), with the type
/// recognised at upload and `nosniff`.
#[utoipa::path(get, path = "/api/v1/reviews/{id}/file", tag = "reviews",
    responses((status = 200, description = "the file (PDF, ODT or Markdown) as an attachment, with its real type",
            content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/vnd.oasis.opendocument.text"), (Vec<u8> = "text/markdown"))),
        (status = 404, body = Problem)))]
pub async fn download_review_file(
    MaybePrincipal(p): MaybePrincipal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult {
    let r = visible(&state, p.as_ref(), *id).await?;
    let f = store::file(&state.db, r.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, f.file_type.content_type()))
        .insert_header((header::CONTENT_DISPOSITION, attachment(&f.name)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(f.content))
}

/// `attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 / 8187).
fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// "We reused this review" for one of the caller's organisations (once per organisation).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/reuses", tag = "reviews", request_body = ReuseInput,
    responses((status = 200, body = Review), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn mark_review_reused(
    p: Caller,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<ReuseInput>,
) -> ApiResult {
    let r = visible(&state, Some(&p.0), *id).await?;
    policy::mark_reused(&p, body.organisation_id)?;
    ok(services::mark_reused(&state, &p, r.id, body.organisation_id).await?)
}

#[utoipa::path(delete, path = "/api/v1/reviews/{id}/reuses/{organisation_id}", tag = "reviews",
    responses((status = 200, body = Review), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn unmark_review_reused(
    p: Caller,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> ApiResult {
    let (id, organisation_id) = path.into_inner();
    let r = visible(&state, Some(&p.0), id).await?;
    policy::mark_reused(&p, organisation_id)?;
    ok(services::unmark_reused(&state, &p, r.id, organisation_id).await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn attachment_names_are_quoted_and_percent_encoded() {
        assert_eq!(
            super::attachment("Prüfbericht 2025.pdf"),
            "attachment; filename=\"Pr_fbericht 2025.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht%202025.pdf"
        );
    }
}
