//! Who is calling, for the HTTP edge: resolves a bearer token or a session cookie into a
//! `Principal` (with the CSRF check and the write rate limits), and the extractors that
//! hand it to handlers.

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::problem::{ApiError, ProblemKind};
use crate::auth::{secret, store, Principal, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE};
use crate::state::AppState;

/// The result of authentication, cached in the request's extensions.
#[derive(Clone)]
struct Resolved(Option<Principal>);

/// Resolves who is calling: a bearer token, else a session cookie, else nobody.
///
/// * An invalid, expired or revoked bearer token is a 401 (never silently anonymous).
/// * A cookie-authenticated state-changing request without a matching `X-CSRF-Token`
///   is a 403.
/// * An authenticated state-changing request counts against the write rate limits
///   (per account and per IP).
///
/// Cached per request: calling it again (several extractors, the websocket upgrade) costs
/// nothing.
pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<Principal>, ApiError> {
    if let Some(Resolved(p)) = req.extensions().get::<Resolved>() {
        return Ok(p.clone());
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let principal = if let Some(token) = bearer(req)? {
        match store::principal_for_token(&state.db, &token).await? {
            Some(p) => Some(p),
            None => {
                return Err(ApiError::new(
                    ProblemKind::Unauthorized,
                    "the access token is invalid, expired or revoked",
                ))
            }
        }
    } else if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        match store::principal_for_session(&state.db, cookie.value()).await? {
            Some((p, csrf)) => {
                if unsafe_method {
                    check_csrf(req, &csrf)?;
                }
                Some(p)
            }
            // An expired or logged-out session is simply no session.
            None => None,
        }
    } else {
        None
    };
    if unsafe_method {
        if let Some(p) = &principal {
            let ip = client_ip(state, req);
            state.auth.limiter.check_write(&ip, p.user_id).await?;
        }
    }
    req.extensions_mut().insert(Resolved(principal.clone()));
    Ok(principal)
}

fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let v = v.to_str().unwrap_or("");
    let mut parts = v.splitn(2, ' ');
    let scheme = parts.next().unwrap_or("");
    let token = parts.next().unwrap_or("").trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::new(
            ProblemKind::Unauthorized,
            "send the token as `Authorization: Bearer mr_pat_...`",
        ));
    }
    Ok(Some(token.to_owned()))
}

/// Double submit, bound to the session: the header must equal the CSRF cookie and the
/// value stored with the session. Compared in constant time.
fn check_csrf(req: &HttpRequest, expected: &str) -> Result<(), ApiError> {
    let header = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let cookie = req.cookie(CSRF_COOKIE);
    let cookie = cookie.as_ref().map(|c| c.value()).unwrap_or("");
    let ok = !header.is_empty()
        && secret::ct_eq(header.as_bytes(), cookie.as_bytes())
        && secret::ct_eq(header.as_bytes(), expected.as_bytes());
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            ProblemKind::Forbidden,
            "missing or wrong X-CSRF-Token header (repeat the matchraum_csrf cookie)",
        ))
    }
}

/// The caller's address for rate limits: the peer, or the first `X-Forwarded-For` hop when
/// `trust_forwarded_for` is set (only behind a proxy that overwrites that header).
pub fn client_ip(state: &AppState, req: &HttpRequest) -> String {
    if state.config.http.trust_forwarded_for {
        if let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            return ip.chars().take(64).collect();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::new(ProblemKind::Internal, "application state missing"))
}

/// The signed-in caller, as the extractor of routes that need one (401 without).
#[derive(Clone, Debug)]
pub struct Caller(pub Principal);

impl std::ops::Deref for Caller {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            authenticate(&state, &req)
                .await?
                .map(Caller)
                .ok_or_else(|| {
                    ApiError::new(
                        ProblemKind::Unauthorized,
                        "sign in (session cookie) or send a bearer token",
                    )
                })
        })
    }
}

/// For routes open to anonymous callers: `None` when nobody is signed in, but (unlike
/// `Option<Principal>`, which turns every error into `None`) a bad token or a missing CSRF
/// header is still refused.
pub struct MaybePrincipal(pub Option<Principal>);

impl FromRequest for MaybePrincipal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            Ok(MaybePrincipal(authenticate(&state, &req).await?))
        })
    }
}
