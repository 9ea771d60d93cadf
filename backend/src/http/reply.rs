//! The successful answers every route module shares.

use actix_web::HttpResponse;
use serde::Serialize;

use super::problem::ApiError;

pub type ApiResult = Result<HttpResponse, ApiError>;

/// 200 with `body` as JSON.
pub fn ok<T: Serialize>(body: T) -> ApiResult {
    Ok(HttpResponse::Ok().json(body))
}

/// 201 with `Location: /api/v1/<collection>/<id>` and `body` as JSON.
pub fn created<T: Serialize>(collection: &str, id: i64, body: T) -> ApiResult {
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/{collection}/{id}")))
        .json(body))
}

/// 204.
pub fn no_content() -> ApiResult {
    Ok(HttpResponse::NoContent().finish())
}
