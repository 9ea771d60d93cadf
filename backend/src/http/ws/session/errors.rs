//! How a socket ends and how a failed frame is answered: close reasons and `error` codes.

use super::*;

/// Close code of a socket whose credential was revoked (4000-4999: the application's).
pub const CLOSE_REVOKED: u16 = 4001;

pub(super) fn revoked() -> CloseReason {
    CloseReason {
        code: CloseCode::Other(CLOSE_REVOKED),
        description: Some("credential revoked: sign in again".into()),
    }
}

pub(super) fn slow_consumer() -> CloseReason {
    CloseReason {
        code: CloseCode::Again,
        description: Some("slow consumer: reconnect and subscribe with since".into()),
    }
}

pub(super) fn client_msg_id_of(text: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()?
        .get("client_msg_id")?
        .as_str()
        .map(|s| s.chars().take(64).collect())
}

pub(super) fn error_code(e: &CommunityError) -> &'static str {
    match e {
        CommunityError::NotFound { .. } | CommunityError::Missing(_) => code::NOT_FOUND,
        CommunityError::Forbidden(_) => code::FORBIDDEN,
        CommunityError::Invalid { .. } => code::INVALID,
        CommunityError::Conflict(_) => code::CONFLICT,
        CommunityError::RateLimited { .. } => code::RATE_LIMITED,
        CommunityError::Unavailable(_) | CommunityError::Db(_) | CommunityError::Corrupt(_) => {
            code::INTERNAL
        }
    }
}

pub(super) fn error_detail(e: &CommunityError) -> String {
    match e {
        CommunityError::Db(err) => {
            tracing::error!(error = %err, "database error in websocket");
            "the request could not be completed; retry".into()
        }
        CommunityError::Corrupt(detail) => {
            tracing::error!(%detail, "corrupt stored data in websocket");
            "the request could not be completed".into()
        }
        other => other.to_string(),
    }
}

pub(super) fn unauthorized(channel_id: Option<i64>, client_msg_id: Option<&str>) -> String {
    protocol::error_text(
        code::UNAUTHORIZED,
        "sign in (session cookie or bearer token on the upgrade request) to do this",
        channel_id,
        client_msg_id,
    )
}
