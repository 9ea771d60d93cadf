//! HTTP routes of accounts: registration, login/logout, the caller's own data and tokens,
//! invitations, roles and the audit log. Tag `auth` in the OpenAPI document.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{client_ip, Caller};
use super::problem::{ApiError, Problem, ProblemKind};
use super::reply::ApiResult;
use crate::auth::store::{self, TokenView, UserView};
use crate::auth::{
    audit, password, policy, AuthMethod, OrgRole, PlatformRole, Scope, CSRF_COOKIE, SESSION_COOKIE,
};
use crate::state::AppState;
use matchraum_core::vocab::Stored;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/register", web::post().to(register))
        .route("/auth/login", web::post().to(login))
        .route("/auth/logout", web::post().to(logout))
        .route("/me", web::get().to(me))
        .route("/me", web::delete().to(delete_me))
        .route("/me/export", web::get().to(export_me))
        .route("/me/tokens", web::get().to(list_tokens))
        .route("/me/tokens", web::post().to(create_token))
        .route("/me/tokens/{id}", web::delete().to(revoke_token))
        .route(
            "/organisations/{id}/invitations",
            web::post().to(create_invitation),
        )
        .route("/invitations/accept", web::post().to(accept_invitation))
        .route("/users/{id}/role", web::put().to(set_role))
        .route("/audit", web::get().to(list_audit));
}

/// Credentials never appear in `Debug` output (and so never in logs).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    pub email: String,
    /// At least 12 characters of at least two kinds (lower case, upper case, digits, others).
    pub password: String,
    pub display_name: Option<String>,
}

impl std::fmt::Debug for RegisterInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterInput")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for LoginInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginInput")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: UserView,
    /// Send this value as `X-CSRF-Token` on every state-changing request (it is also in
    /// the `matchraum_csrf` cookie).
    pub csrf_token: String,
}

/// Answers carrying secrets or personal data must not stay in any cache (browser or proxy).
const NO_STORE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "no-store");

fn login_failed() -> ApiError {
    // One answer for an unknown address and a wrong password.
    ApiError::new(
        ProblemKind::Unauthorized,
        "the e-mail address or the password is wrong",
    )
}

/// Creates an account (role `seeker`). Does not sign in.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterInput,
    responses((status = 202, description = "Accepted; the same answer whether or not the address already had an account"), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RegisterInput>,
) -> ApiResult {
    state
        .auth
        .limiter
        .check_register(&client_ip(&state, &req))
        .await?;
    let body = body.into_inner();
    let email = store::normalise_email(&body.email)?;
    password::check_policy(&body.password)
        .map_err(|m| ApiError::validation("password", format!("password: {m}")))?;
    let display_name = match body.display_name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) => Some(crate::catalog::validate::text("display_name", n, 200)?),
    };
    // Hash first, whatever happens next, so that both answers take the same time.
    let hash = password::hash_blocking(body.password).await;
    match store::insert_user(&state.db, &email, hash, display_name, PlatformRole::Seeker).await {
        Ok(user) => {
            let target = format!("user:{}", user.id);
            audit::record(
                &state.db,
                Some(user.id),
                "account.registered",
                &target,
                serde_json::json!({}),
            )
            .await?;
        }
        // A taken address answers exactly like a new one: registration must not reveal
        // which addresses have accounts. Its owner signs in as before.
        Err(matchraum_core::Error::Conflict(_)) => {
            audit::record(
                &state.db,
                None,
                "account.register_existing",
                "registration",
                serde_json::json!({}),
            )
            .await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "status": "accepted",
        "detail": "Sign in with this address and password. If the address already had an account, its password is unchanged."
    })))
}

fn cookie<'a>(state: &AppState, name: &'a str, value: String, http_only: bool) -> Cookie<'a> {
    Cookie::build(name, value)
        .path("/")
        .http_only(http_only)
        .secure(state.config.http.cookie_secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::hours(
            state.config.http.session_ttl_hours as i64,
        ))
        .finish()
}

fn expired(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut c = cookie(state, name, String::new(), name == SESSION_COOKIE);
    c.make_removal();
    c
}

/// Signs in: sets the HttpOnly session cookie and the CSRF cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginInput>,
) -> ApiResult {
    let body = body.into_inner();
    let email = body.email.trim().to_lowercase();
    state
        .auth
        .limiter
        .check_login(&client_ip(&state, &req), &email)
        .await?;
    let user = if email.len() <= 320 && body.password.len() <= 4 * password::MAX_CHARS {
        store::find_by_email(&state.db, &email).await?
    } else {
        None
    };
    // Verify against a dummy hash for unknown addresses: the same work either way.
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.auth.dummy_hash.clone());
    let ok = password::verify_blocking(body.password, stored).await;
    let user = match (ok, user) {
        (true, Some(u)) => u,
        (_, u) => {
            let target = match &u {
                Some(u) => format!("user:{}", u.id),
                None => format!(
                    "email-sha256:{}",
                    &crate::auth::secret::digest(&email)[..16]
                ),
            };
            audit::record(
                &state.db,
                None,
                "login.failed",
                &target,
                serde_json::json!({"ip": client_ip(&state, &req)}),
            )
            .await?;
            return Err(login_failed());
        }
    };
    let ttl = Duration::hours(state.config.http.session_ttl_hours as i64);
    let (token, csrf) = store::create_session(&state.db, user.id, ttl).await?;
    Ok(HttpResponse::Ok()
        .insert_header(NO_STORE)
        .cookie(cookie(&state, SESSION_COOKIE, token, true))
        .cookie(cookie(&state, CSRF_COOKIE, csrf.clone(), false))
        .json(LoginResponse {
            user: store::view(&state.db, &user).await?,
            csrf_token: csrf,
        }))
}

/// Ends the current session at once (on every instance) and clears the cookies.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn logout(state: web::Data<AppState>, p: Caller) -> ApiResult {
    if let AuthMethod::Session { session_id } = p.via {
        store::delete_session(&state.db, session_id).await?;
        state.realtime.revoked(p.user_id, Some((&p.via).into()));
    }
    Ok(HttpResponse::NoContent()
        .cookie(expired(&state, SESSION_COOKIE))
        .cookie(expired(&state, CSRF_COOKIE))
        .finish())
}

/// The signed-in account with its role and memberships.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = UserView), (status = 401, body = Problem)))]
pub async fn me(state: web::Data<AppState>, p: Caller) -> ApiResult {
    policy::read_own_account(&p)?;
    let u = store::get_user(&state.db, p.user_id).await?;
    Ok(HttpResponse::Ok().json(store::view(&state.db, &u).await?))
}

/// Everything stored about the signed-in account, as JSON.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "auth",
    responses((status = 200, body = Object), (status = 401, body = Problem)))]
pub async fn export_me(state: web::Data<AppState>, p: Caller) -> ApiResult {
    policy::read_own_account(&p)?;
    let u = store::get_user(&state.db, p.user_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(NO_STORE)
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"matchraum-export.json\"",
        ))
        .json(store::export(&state.db, &u).await?))
}

/// Deletes the account's personal data and ends all its sessions and tokens.
#[utoipa::path(delete, path = "/api/v1/me", tag = "auth",
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn delete_me(state: web::Data<AppState>, p: Caller) -> ApiResult {
    policy::manage_own_account(&p)?;
    store::delete_account(&state.db, p.user_id).await?;
    state.realtime.revoked(p.user_id, None);
    audit::record(
        &state.db,
        Some(p.user_id),
        "account.deleted",
        &format!("user:{}", p.user_id),
        serde_json::json!({}),
    )
    .await?;
    Ok(HttpResponse::NoContent()
        .cookie(expired(&state, SESSION_COOKIE))
        .cookie(expired(&state, CSRF_COOKIE))
        .finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    pub name: String,
    pub scopes: Vec<Scope>,
    /// Days until the token expires (1 to 365, default 90).
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The secret, shown only now: `mr_pat_...`. Send as `Authorization: Bearer ...`.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenView,
}

/// Creates a personal access token; the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "auth", request_body = TokenInput,
    responses((status = 201, body = CreatedToken), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_token(
    state: web::Data<AppState>,
    p: Caller,
    body: web::Json<TokenInput>,
) -> ApiResult {
    let body = body.into_inner();
    let name = crate::catalog::validate::text("name", &body.name, 100)?;
    if name.is_empty() {
        return Err(ApiError::validation("name", "name: must not be empty"));
    }
    let mut scopes = body.scopes;
    scopes.sort_by_key(|s| *s as u8);
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiError::validation(
            "scopes",
            "scopes: name at least one of read, write, moderate, admin",
        ));
    }
    let days = body.expires_in_days.unwrap_or(90);
    if !(1..=365).contains(&days) {
        return Err(ApiError::validation(
            "expires_in_days",
            "expires_in_days: must be between 1 and 365",
        ));
    }
    policy::grant_scopes(&p, &scopes)?;
    let expires = Utc::now() + Duration::days(i64::from(days));
    let (info, token) =
        store::create_token(&state.db, p.user_id, &name, &scopes, Some(expires)).await?;
    audit::record(
        &state.db,
        Some(p.user_id),
        "token.created",
        &format!("token:{}", info.id),
        serde_json::json!({"name": info.name, "scopes": info.scopes, "expires_at": info.expires_at}),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(NO_STORE)
        .json(CreatedToken { token, info }))
}

/// The account's tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "auth",
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = Problem)))]
pub async fn list_tokens(state: web::Data<AppState>, p: Caller) -> ApiResult {
    policy::read_own_account(&p)?;
    Ok(HttpResponse::Ok()
        .insert_header(NO_STORE)
        .json(store::list_tokens(&state.db, p.user_id).await?))
}

/// Revokes a token at once, on every instance.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "auth",
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_token(state: web::Data<AppState>, p: Caller, id: web::Path<i64>) -> ApiResult {
    // A token may always revoke itself; anything else needs account management rights.
    let own = matches!(&p.via, AuthMethod::Token { token_id, .. } if *token_id == *id);
    if !own {
        policy::manage_own_account(&p)?;
    }
    store::revoke_token(&state.db, p.user_id, *id).await?;
    state
        .realtime
        .revoked(p.user_id, Some(crate::realtime::Credential::Token(*id)));
    audit::record(
        &state.db,
        Some(p.user_id),
        "token.revoked",
        &format!("token:{}", *id),
        serde_json::json!({}),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationInput {
    /// Only this address may accept (any signed-in account if absent).
    pub email: Option<String>,
    #[serde(default = "member")]
    pub role: OrgRole,
    /// Days until the invitation expires (1 to 30, default 7).
    pub expires_in_days: Option<u32>,
}

fn member() -> OrgRole {
    OrgRole::Member
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedInvitation {
    pub id: i64,
    pub organisation_id: i64,
    pub role: OrgRole,
    pub email: Option<String>,
    pub expires_at: chrono::DateTime<Utc>,
    /// The code, shown only now; the invitee sends it to `POST /api/v1/invitations/accept`.
    pub token: String,
}

/// Invites a member into an organisation (operators and the organisation's admins).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/invitations", tag = "auth", request_body = InvitationInput,
    responses((status = 201, body = CreatedInvitation), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn create_invitation(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<InvitationInput>,
) -> ApiResult {
    let org = *id;
    policy::invite(&p, org)?;
    crate::catalog::store::organisations::get(&state.db, org).await?;
    let body = body.into_inner();
    let email = body
        .email
        .as_deref()
        .map(store::normalise_email)
        .transpose()?;
    let days = body.expires_in_days.unwrap_or(7);
    if !(1..=30).contains(&days) {
        return Err(ApiError::validation(
            "expires_in_days",
            "expires_in_days: must be between 1 and 30",
        ));
    }
    let (inv, token) = store::create_invitation(
        &state.db,
        org,
        email.clone(),
        body.role,
        p.user_id,
        Duration::days(i64::from(days)),
    )
    .await?;
    audit::record(
        &state.db,
        Some(p.user_id),
        "invitation.created",
        &format!("organisation:{org}"),
        serde_json::json!({"invitation_id": inv.id, "role": body.role, "email": email}),
    )
    .await?;
    Ok(HttpResponse::Created().json(CreatedInvitation {
        id: inv.id,
        organisation_id: org,
        role: body.role,
        email,
        expires_at: inv.expires_at,
        token,
    }))
}

/// The code travels in the body, not in the path, so that it never lands in access logs,
/// proxies' logs or `Referer` headers.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    pub organisation_id: i64,
    pub role: OrgRole,
}

/// Joins the organisation of an invitation (single use).
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "auth", request_body = AcceptInput,
    responses((status = 200, body = Accepted), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    p: Caller,
    body: web::Json<AcceptInput>,
) -> ApiResult {
    policy::join_organisation(&p)?;
    let user = store::get_user(&state.db, p.user_id).await?;
    let inv = store::accept_invitation(&state.db, body.token.trim(), &user).await?;
    let role = OrgRole::from_stored(&inv.role)?;
    audit::record(
        &state.db,
        Some(p.user_id),
        "invitation.accepted",
        &format!("organisation:{}", inv.organisation_id),
        serde_json::json!({"invitation_id": inv.id, "role": role}),
    )
    .await?;
    Ok(HttpResponse::Ok().json(Accepted {
        organisation_id: inv.organisation_id,
        role,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    pub role: PlatformRole,
}

/// Changes an account's platform role (operators).
#[utoipa::path(put, path = "/api/v1/users/{id}/role", tag = "auth", request_body = RoleInput,
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn set_role(
    state: web::Data<AppState>,
    p: Caller,
    id: web::Path<i64>,
    body: web::Json<RoleInput>,
) -> ApiResult {
    policy::set_user_role(&p)?;
    let old = store::set_role(&state.db, *id, body.role).await?;
    audit::record(
        &state.db,
        Some(p.user_id),
        "user.role_changed",
        &format!("user:{}", *id),
        serde_json::json!({"from": old, "to": body.role}),
    )
    .await?;
    let u = store::get_user(&state.db, *id).await?;
    Ok(HttpResponse::Ok().json(store::view(&state.db, &u).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub actor_id: Option<i64>,
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "crate::http::query::offset")]
    #[param(maximum = 9007199254740991.0)]
    pub offset: Option<u64>,
}

/// Security-relevant events, newest first (operators).
#[utoipa::path(get, path = "/api/v1/audit", tag = "auth", params(AuditQuery),
    responses((status = 200, body = crate::catalog::model::Page<audit::AuditEntry>), (status = 403, body = Problem)))]
pub async fn list_audit(
    state: web::Data<AppState>,
    p: Caller,
    q: web::Query<AuditQuery>,
) -> ApiResult {
    policy::read_audit(&p)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            "limit: must be between 1 and 500",
        ));
    }
    let page = audit::list(
        &state.db,
        q.action.as_deref(),
        q.actor_id,
        limit,
        q.offset.unwrap_or(0),
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}
