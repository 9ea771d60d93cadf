//! Accounts, organisations and roles: who is calling (authentication) and what they may
//! do (authorisation, in [`policy`]).
//!
//! Every way to prove an identity (a browser session cookie, a personal access token, later
//! an OpenID Connect login that ends in a session) is resolved in ONE place,
//! [`authenticate`], into a [`Principal`]. Handlers only ever see a `Principal` (through
//! the extractor, or `Option<Principal>` / [`MaybePrincipal`] on routes open to
//! anonymous callers) and ask [`policy`] whether it may do what it asks.
//!
//! The database is the truth for sessions and tokens: each authenticated request is one
//! indexed lookup, so a logout or a revocation holds at once on every instance.

pub mod audit;
pub mod entity;
pub mod handlers;
pub mod password;
pub mod policy;
pub mod ratelimit;
pub mod secret;
pub mod store;

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::problem::{ApiError, ProblemKind};
use crate::state::AppState;

/// Name of the HttpOnly session cookie.
pub const SESSION_COOKIE: &str = "matchraum_session";
/// Name of the CSRF cookie (readable by the page's script, echoed in `X-CSRF-Token`).
pub const CSRF_COOKIE: &str = "matchraum_csrf";
/// Header that must repeat the CSRF cookie on state-changing, cookie-authenticated requests.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Prefix of personal access tokens, so that leaked ones can be recognised by scanners.
pub const TOKEN_PREFIX: &str = "mr_pat_";

/// The role of an account on the whole platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlatformRole {
    /// Looks for solutions (the default).
    Seeker,
    /// May manage the solutions of the organisations they belong to.
    Provider,
    /// May create and moderate forums.
    CommunityManager,
    /// Platform administrator.
    Operator,
}

impl PlatformRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformRole::Seeker => "seeker",
            PlatformRole::Provider => "provider",
            PlatformRole::CommunityManager => "community_manager",
            PlatformRole::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "seeker" => PlatformRole::Seeker,
            "provider" => PlatformRole::Provider,
            "community_manager" => PlatformRole::CommunityManager,
            "operator" => PlatformRole::Operator,
            _ => return None,
        })
    }
}

/// The role of an account within one organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    Member,
    /// May update the organisation and invite members.
    OrgAdmin,
}

impl OrgRole {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Member => "member",
            OrgRole::OrgAdmin => "org_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "member" => OrgRole::Member,
            "org_admin" => OrgRole::OrgAdmin,
            _ => return None,
        })
    }
}

/// What a personal access token may be used for. Sessions carry every scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read what the account may see (private needs, own data).
    Read,
    /// Create, change and delete what the account may change.
    Write,
    /// Moderate forums and channels (community managers, operators).
    Moderate,
    /// Platform administration (operators).
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Moderate => "moderate",
            Scope::Admin => "admin",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Membership {
    pub organisation_id: i64,
    pub role: OrgRole,
}

/// How the caller proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// A browser session (cookie); all scopes, CSRF-checked on writes.
    Session { session_id: i64 },
    /// A personal access token (`Authorization: Bearer mr_pat_...`).
    Token { token_id: i64, scopes: Vec<Scope> },
}

/// The authenticated caller, as every handler sees it.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: i64,
    pub role: PlatformRole,
    pub memberships: Vec<Membership>,
    pub via: AuthMethod,
}

impl Principal {
    pub fn is_operator(&self) -> bool {
        self.role == PlatformRole::Operator
    }

    /// Sessions have every scope; tokens only those they were created with.
    pub fn has_scope(&self, scope: Scope) -> bool {
        match &self.via {
            AuthMethod::Session { .. } => true,
            AuthMethod::Token { scopes, .. } => scopes.contains(&scope),
        }
    }

    pub fn is_member_of(&self, organisation_id: i64) -> bool {
        self.memberships
            .iter()
            .any(|m| m.organisation_id == organisation_id)
    }

    pub fn is_org_admin_of(&self, organisation_id: i64) -> bool {
        self.memberships
            .iter()
            .any(|m| m.organisation_id == organisation_id && m.role == OrgRole::OrgAdmin)
    }

    pub fn organisation_ids(&self) -> Vec<i64> {
        self.memberships.iter().map(|m| m.organisation_id).collect()
    }
}

/// Shared state of the auth module: the rate limiter and a dummy password hash.
pub struct AuthState {
    pub limiter: ratelimit::RateLimiter,
    /// Verified when an e-mail address is unknown, so that a login takes as long either way.
    pub dummy_hash: String,
}

impl AuthState {
    pub async fn new(config: &crate::config::Config) -> Arc<Self> {
        let dummy_hash = tokio::task::spawn_blocking(password::dummy_hash)
            .await
            .expect("hashing task");
        Arc::new(AuthState {
            limiter: ratelimit::RateLimiter::new(config.redis_url.as_deref()).await,
            dummy_hash,
        })
    }
}

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
            let auth = auth_state(state);
            auth.limiter
                .check_write(&state.config, &ip, p.user_id)
                .await?;
        }
    }
    req.extensions_mut().insert(Resolved(principal.clone()));
    Ok(principal)
}

fn auth_state(state: &AppState) -> &AuthState {
    &state.auth
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
    if state.config.trust_forwarded_for {
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

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            authenticate(&state, &req).await?.ok_or_else(|| {
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

/// Errors of the account store, mapped like catalogue errors.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Db(err) => crate::catalog::CatalogError::from(err).into(),
        }
    }
}
