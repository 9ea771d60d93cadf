//! `GET /api/v1/ws`: the websocket upgrade (protocol v1, see `realtime`).

use actix_web::{web, HttpRequest, HttpResponse};

pub mod session;

use super::problem::{ApiError, ProblemKind};
use crate::auth::AuthMethod;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws", web::get().to(upgrade))
        .route("/ws/status", web::get().to(status));
}

/// `Retry-After` of an upgrade over the socket caps.
const CAP_RETRY_SECS: u64 = 5;

/// Authenticates (session cookie or bearer token; anonymous sockets read public
/// channels), refuses cross-site upgrades that ride on a cookie, then hands the socket to
/// `session`.
pub async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let principal = super::extract::authenticate(&state, &req).await?;
    if let Some(p) = &principal {
        if matches!(p.via, AuthMethod::Session { .. }) && !same_origin(&req) {
            return Err(ApiError::new(
                ProblemKind::Forbidden,
                "a cookie-authenticated websocket must come from this site's origin",
            )
            .into());
        }
    }
    let ip = super::extract::client_ip(&state, &req);
    let permit = state
        .realtime
        .caps
        .admit(&ip, principal.as_ref().map(|p| p.user_id))
        .map_err(|cap| {
            let mut e = ApiError::new(
                ProblemKind::RateLimited,
                format!("{cap}; close one before opening another"),
            );
            e.retry_after = Some(CAP_RETRY_SECS);
            e
        })?;
    // actix-ws does the handshake and decodes the client's frames; the outgoing side is
    // `realtime::outbox`, which replaces actix-ws's response body (and with it the
    // `Session` and its channel, which go unused).
    let (res, _session, stream) = actix_ws::handle(&req, body)?;
    // The codec accepts up to `hard`, so that frames over the configured limit still get
    // an `error` frame instead of a dropped connection.
    let hard = (state.config.ws.max_frame_bytes.saturating_mul(4)).max(64 * 1024);
    let stream = stream
        .max_frame_size(hard)
        .aggregate_continuations()
        .max_continuation_size(hard);
    let body = session::start(state.into_inner(), principal, ip, permit, stream);
    Ok(res.set_body(body).map_into_boxed_body())
}

fn same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req.headers().get("origin").and_then(|v| v.to_str().ok()) else {
        // Non-browser clients send no Origin.
        return true;
    };
    let host = req.connection_info().host().to_owned();
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    origin_host.eq_ignore_ascii_case(&host) || state_allows(req, origin)
}

fn state_allows(req: &HttpRequest, origin: &str) -> bool {
    req.app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config.http.allows_origin(origin))
}

#[derive(serde::Serialize)]
struct Status {
    bus: &'static str,
    bus_healthy: bool,
    #[serde(flatten)]
    hub: crate::realtime::hub::HubStats,
}

/// Health of this instance's real-time part (for operators and the multi-instance test).
pub async fn status(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(Status {
        bus: state.realtime.bus_kind(),
        bus_healthy: state.realtime.bus_healthy(),
        hub: state.realtime.hub.stats(),
    })
}
