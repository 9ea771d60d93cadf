//! RFC 9457 problem details: every error leaves the server as `application/problem+json`
//! with a stable `type` per kind of error.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use matchraum_core::Error as DomainError;

/// The stable kinds of error the API answers with; `type` is `/problems/<slug>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    MalformedJson,
    InvalidBody,
    InvalidQuery,
    InvalidPath,
    ValidationFailed,
    NotFound,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    Unauthorized,
    Forbidden,
    RateLimited,
    ServiceUnavailable,
    Internal,
}

impl ProblemKind {
    fn slug_status_title(self) -> (&'static str, StatusCode, &'static str) {
        use ProblemKind::*;
        match self {
            MalformedJson => (
                "malformed-json",
                StatusCode::BAD_REQUEST,
                "The body is not valid JSON",
            ),
            InvalidBody => (
                "invalid-body",
                StatusCode::UNPROCESSABLE_ENTITY,
                "The body does not have the expected shape",
            ),
            InvalidQuery => (
                "invalid-query",
                StatusCode::BAD_REQUEST,
                "The query string is invalid",
            ),
            InvalidPath => (
                "invalid-path",
                StatusCode::NOT_FOUND,
                "The path does not name a resource",
            ),
            ValidationFailed => (
                "validation-failed",
                StatusCode::UNPROCESSABLE_ENTITY,
                "A field has an invalid value",
            ),
            NotFound => ("not-found", StatusCode::NOT_FOUND, "Not found"),
            Conflict => (
                "conflict",
                StatusCode::CONFLICT,
                "Conflict with the current state",
            ),
            PayloadTooLarge => (
                "payload-too-large",
                StatusCode::PAYLOAD_TOO_LARGE,
                "The body is too large",
            ),
            UnsupportedMediaType => (
                "unsupported-media-type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported content type",
            ),
            Unauthorized => (
                "unauthorized",
                StatusCode::UNAUTHORIZED,
                "Authentication required",
            ),
            Forbidden => ("forbidden", StatusCode::FORBIDDEN, "Not allowed"),
            RateLimited => (
                "rate-limited",
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
            ),
            ServiceUnavailable => (
                "service-unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
            ),
            Internal => (
                "internal",
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
            ),
        }
    }
}

/// The body of a problem response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The offending field, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error that the HTTP edge turns into a problem response.
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub struct ApiError {
    pub kind: ProblemKind,
    pub detail: String,
    pub field: Option<String>,
    /// Seconds, sent as `Retry-After` (rate limits, unavailable dependencies).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        ApiError {
            kind,
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn validation(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError {
            field: Some(field.into()),
            ..ApiError::new(ProblemKind::ValidationFailed, detail)
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound { .. } => ApiError::new(ProblemKind::NotFound, e.to_string()),
            DomainError::Missing(m) => ApiError::new(ProblemKind::NotFound, m),
            DomainError::Forbidden(m) => ApiError::new(ProblemKind::Forbidden, m),
            DomainError::Invalid { field, message } => {
                ApiError::validation(field.clone(), format!("{field}: {message}"))
            }
            DomainError::Conflict(m) => ApiError::new(ProblemKind::Conflict, m),
            DomainError::Unavailable(m) => ApiError::new(ProblemKind::ServiceUnavailable, m),
            DomainError::RateLimited { retry_after } => {
                let mut err = ApiError::new(ProblemKind::RateLimited, e.to_string());
                err.retry_after = Some(retry_after.max(1));
                err
            }
            internal @ (DomainError::Db(_) | DomainError::Corrupt(_)) => {
                // The detail stays in the log; the client learns only that it was us.
                tracing::error!(error = %internal, "internal error");
                ApiError::new(ProblemKind::Internal, "the request could not be completed")
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.slug_status_title().1
    }

    fn error_response(&self) -> HttpResponse {
        let (slug, status, title) = self.kind.slug_status_title();
        let body = Problem {
            type_: format!("/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail: self.detail.clone(),
            field: self.field.clone(),
        };
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.body(serde_json::to_string(&body).expect("problem serialises"))
    }
}

/// Maps a JSON body error from actix to a problem.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let api = match &err {
        J::OverflowKnownLength { .. } | J::Overflow { .. } => {
            ApiError::new(ProblemKind::PayloadTooLarge, err.to_string())
        }
        J::ContentType => ApiError::new(
            ProblemKind::UnsupportedMediaType,
            "send the body as application/json",
        ),
        J::Deserialize(e) if e.is_data() => ApiError::new(ProblemKind::InvalidBody, e.to_string()),
        J::Deserialize(e) => ApiError::new(ProblemKind::MalformedJson, e.to_string()),
        _ => ApiError::new(ProblemKind::MalformedJson, err.to_string()),
    };
    api.into()
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::new(ProblemKind::InvalidQuery, err.to_string()).into()
}

pub fn path_error(
    err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::new(ProblemKind::InvalidPath, err.to_string()).into()
}

/// Answer for routes that do not exist.
pub async fn no_route() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(ProblemKind::NotFound, "no such route"))
}
