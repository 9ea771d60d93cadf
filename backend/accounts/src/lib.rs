//! Accounts, organisations and roles: who is calling (authentication) and what they may
//! do (authorisation, in [`policy`]).
//!
//! Every way to prove an identity (a browser session cookie, a personal access token, later
//! an OpenID Connect login that ends in a session) is resolved in ONE place,
//! `http::extract::authenticate`, into a [`Principal`]. Handlers only ever see a
//! `Principal` (through the extractor, or `Option<Principal>` / `MaybePrincipal` on routes
//! open to anonymous callers) and ask [`policy`] whether it may do what it asks.
//!
//! The database is the truth for sessions and tokens: each authenticated request is one
//! indexed lookup, so a logout or a revocation holds at once on every instance.
//!
//! Owns: accounts, memberships, sessions, tokens, invitations, the audit log, the general
//! per-organisation inbox ([`notices`]), the rate limiter and the platform/catalogue policy. May use: `matchraum-core`,
//! `matchraum-catalog` (the policy decides on catalogue entries), sea-orm, Redis (rate
//! limits). Knows nothing of HTTP (the server's `http::extract` and `http::accounts` adapt
//! it), the community or matching.

pub mod audit;
pub mod directory;
pub mod entity;
pub mod notices;
pub mod password;
pub mod policy;
pub mod ratelimit;
pub mod redis_link;
pub mod secret;
pub mod store;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Name of the HttpOnly session cookie.
pub const SESSION_COOKIE: &str = "matchraum_session";
/// Name of the CSRF cookie (readable by the page's script, echoed in `X-CSRF-Token`).
pub const CSRF_COOKIE: &str = "matchraum_csrf";
/// Header that must repeat the CSRF cookie on state-changing, cookie-authenticated requests.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Prefix of personal access tokens, so that leaked ones can be recognised by scanners.
pub const TOKEN_PREFIX: &str = "mr_pat_";

matchraum_core::string_enum!(
    /// The role of an account on the whole platform.
    PlatformRole {
        /// Looks for solutions (the default).
        Seeker => "seeker",
        /// May manage the solutions of the organisations they belong to.
        Provider => "provider",
        /// May create and moderate forums.
        CommunityManager => "community_manager",
        /// Platform administrator.
        Operator => "operator",
    }
);

matchraum_core::string_enum!(
    /// The role of an account within one organisation.
    OrgRole {
        Member => "member",
        /// May update the organisation and invite members.
        OrgAdmin => "org_admin",
    }
);

matchraum_core::string_enum!(
    /// What a personal access token may be used for. Sessions carry every scope.
    Scope {
        /// Read what the account may see (private needs, own data).
        Read => "read",
        /// Create, change and delete what the account may change.
        Write => "write",
        /// Moderate forums and channels (community managers, operators).
        Moderate => "moderate",
        /// Platform administration (operators).
        Admin => "admin",
    }
);

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
    pub async fn new(
        redis: Option<&redis_link::RedisTarget>,
        redis_prefix: &str,
        limits: ratelimit::RateLimits,
    ) -> Arc<Self> {
        let dummy_hash = tokio::task::spawn_blocking(password::dummy_hash)
            .await
            .expect("hashing task");
        Arc::new(AuthState {
            limiter: ratelimit::RateLimiter::new(redis, redis_prefix, limits).await,
            dummy_hash,
        })
    }
}
