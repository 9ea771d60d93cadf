//! Storage of accounts, memberships, sessions, tokens and invitations.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::entity::{api_token, invitation, member, session, user};
use super::{password, secret, AuthMethod, Membership, OrgRole, PlatformRole, Principal, Scope};
use matchraum_core::Error;

pub const INVITATION_PREFIX: &str = "mr_inv_";
pub const SESSION_PREFIX: &str = "mr_ses_";

fn db(e: sea_orm::DbErr) -> Error {
    Error::from(e)
}

/// An account as its owner and operators see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: Option<String>,
    pub role: PlatformRole,
    pub memberships: Vec<Membership>,
    pub created_at: DateTime<Utc>,
}

/// Lower-cased, trimmed, plausibly shaped e-mail address.
pub fn normalise_email(raw: &str) -> Result<String, Error> {
    let e = raw.trim().to_lowercase();
    let valid = e.len() <= 320
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(e.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
                && !domain.starts_with('.') && !domain.ends_with('.'));
    if valid {
        Ok(e)
    } else {
        Err(Error::invalid("email", "is not a valid e-mail address"))
    }
}

fn role_of(m: &user::Model) -> PlatformRole {
    PlatformRole::parse(&m.role).unwrap_or(PlatformRole::Seeker)
}

/// The accounts of these organisations, as `(organisation_id, user_id)`.
pub async fn organisation_accounts(
    db_: &impl ConnectionTrait,
    organisation_ids: &[i64],
) -> Result<Vec<(i64, i64)>, sea_orm::DbErr> {
    use sea_orm::QuerySelect;
    member::Entity::find()
        .select_only()
        .columns([member::Column::OrganisationId, member::Column::UserId])
        .filter(member::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .order_by_asc(member::Column::Id)
        .into_tuple()
        .all(db_)
        .await
}

pub async fn memberships(
    db_: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<Membership>, Error> {
    Ok(member::Entity::find()
        .filter(member::Column::UserId.eq(user_id))
        .order_by_asc(member::Column::OrganisationId)
        .all(db_)
        .await
        .map_err(db)?
        .into_iter()
        .filter_map(|m| {
            Some(Membership {
                organisation_id: m.organisation_id,
                role: OrgRole::parse(&m.role)?,
            })
        })
        .collect())
}

async fn active_user(db_: &impl ConnectionTrait, id: i64) -> Result<Option<user::Model>, Error> {
    user::Entity::find_by_id(id)
        .filter(user::Column::DeletedAt.is_null())
        .one(db_)
        .await
        .map_err(db)
}

async fn principal(
    db_: &impl ConnectionTrait,
    u: &user::Model,
    via: AuthMethod,
) -> Result<Principal, Error> {
    Ok(Principal {
        user_id: u.id,
        role: role_of(u),
        memberships: memberships(db_, u.id).await?,
        via,
    })
}

/// The principal of a bearer token, if the token exists, is not revoked and not expired.
pub async fn principal_for_token(
    db_: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Principal>, Error> {
    if !token.starts_with(super::TOKEN_PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let now = Utc::now();
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(secret::digest(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db_)
        .await
        .map_err(db)?
    else {
        return Ok(None);
    };
    if t.expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    let Some(u) = active_user(db_, t.user_id).await? else {
        return Ok(None);
    };
    let scopes = parse_scopes(&t.scopes);
    Ok(Some(
        principal(
            db_,
            &u,
            AuthMethod::Token {
                token_id: t.id,
                scopes,
            },
        )
        .await?,
    ))
}

/// The principal behind a credential that was valid when a long-lived connection (a
/// websocket) opened; `None` once it was revoked or expired or its account deleted.
pub async fn principal_for_credential(
    db_: &impl ConnectionTrait,
    via: &AuthMethod,
) -> Result<Option<Principal>, Error> {
    let now = Utc::now();
    let user_id = match via {
        AuthMethod::Session { session_id } => session::Entity::find_by_id(*session_id)
            .filter(session::Column::ExpiresAt.gt(now))
            .one(db_)
            .await
            .map_err(db)?
            .map(|s| s.user_id),
        AuthMethod::Token { token_id, .. } => api_token::Entity::find_by_id(*token_id)
            .filter(api_token::Column::RevokedAt.is_null())
            .one(db_)
            .await
            .map_err(db)?
            .filter(|t| t.expires_at.is_none_or(|e| e > now))
            .map(|t| t.user_id),
    };
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    let Some(u) = active_user(db_, user_id).await? else {
        return Ok(None);
    };
    Ok(Some(principal(db_, &u, via.clone()).await?))
}

/// The principal of a session cookie and the session's CSRF token.
pub async fn principal_for_session(
    db_: &impl ConnectionTrait,
    cookie: &str,
) -> Result<Option<(Principal, String)>, Error> {
    if !cookie.starts_with(SESSION_PREFIX) || cookie.len() > 100 {
        return Ok(None);
    }
    let Some(s) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(secret::digest(cookie)))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .one(db_)
        .await
        .map_err(db)?
    else {
        return Ok(None);
    };
    let Some(u) = active_user(db_, s.user_id).await? else {
        return Ok(None);
    };
    let p = principal(db_, &u, AuthMethod::Session { session_id: s.id }).await?;
    Ok(Some((p, s.csrf_token)))
}

pub fn parse_scopes(s: &str) -> Vec<Scope> {
    serde_json::from_str(s).unwrap_or_default()
}

pub async fn view(db_: &impl ConnectionTrait, u: &user::Model) -> Result<UserView, Error> {
    Ok(UserView {
        id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: role_of(u),
        memberships: memberships(db_, u.id).await?,
        created_at: u.created_at,
    })
}

pub async fn get_user(db_: &impl ConnectionTrait, id: i64) -> Result<user::Model, Error> {
    active_user(db_, id)
        .await?
        .ok_or(Error::NotFound { kind: "user", id })
}

pub async fn find_by_email(
    db_: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, Error> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::DeletedAt.is_null())
        .one(db_)
        .await
        .map_err(db)
}

/// Creates an account; the password must already be checked against the policy and hashed.
pub async fn insert_user(
    db_: &impl ConnectionTrait,
    email: &str,
    password_hash: String,
    display_name: Option<String>,
    role: PlatformRole,
) -> Result<user::Model, Error> {
    let now = Utc::now();
    let row = user::ActiveModel {
        id: NotSet,
        email: Set(email.to_owned()),
        password_hash: Set(password_hash),
        display_name: Set(display_name),
        role: Set(role.as_str().into()),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    };
    row.insert(db_).await.map_err(|e| {
        if matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            Error::Conflict("an account with this e-mail address already exists".into())
        } else {
            db(e)
        }
    })
}

/// For the bootstrap CLI and tests: validates, hashes and inserts an account.
pub async fn create_user(
    db_: &impl ConnectionTrait,
    email: &str,
    password: &str,
    role: PlatformRole,
) -> Result<user::Model, Error> {
    let email = normalise_email(email)?;
    password::check_policy(password).map_err(|m| Error::invalid("password", m))?;
    let hash = password::hash_blocking(password.to_owned()).await;
    insert_user(db_, &email, hash, None, role).await
}

pub async fn set_role(
    db_: &impl ConnectionTrait,
    user_id: i64,
    role: PlatformRole,
) -> Result<PlatformRole, Error> {
    let u = get_user(db_, user_id).await?;
    let old = role_of(&u);
    let mut am: user::ActiveModel = u.into();
    am.role = Set(role.as_str().into());
    am.updated_at = Set(Utc::now());
    am.update(db_).await.map_err(db)?;
    Ok(old)
}

/// Adds (or changes the role of) a membership.
pub async fn add_member(
    db_: &impl ConnectionTrait,
    user_id: i64,
    organisation_id: i64,
    role: OrgRole,
) -> Result<(), Error> {
    let existing = member::Entity::find()
        .filter(member::Column::UserId.eq(user_id))
        .filter(member::Column::OrganisationId.eq(organisation_id))
        .one(db_)
        .await
        .map_err(db)?;
    match existing {
        Some(m) => {
            // Accepting a plain invitation never demotes an org admin.
            if m.role != role.as_str() && role == OrgRole::OrgAdmin {
                let mut am: member::ActiveModel = m.into();
                am.role = Set(role.as_str().into());
                am.update(db_).await.map_err(db)?;
            }
        }
        None => {
            member::ActiveModel {
                id: NotSet,
                user_id: Set(user_id),
                organisation_id: Set(organisation_id),
                role: Set(role.as_str().into()),
                created_at: Set(Utc::now()),
            }
            .insert(db_)
            .await
            .map_err(db)?;
        }
    }
    Ok(())
}

/// A new session: returns the cookie value (shown once) and the CSRF token.
pub async fn create_session(
    db_: &impl ConnectionTrait,
    user_id: i64,
    ttl: Duration,
) -> Result<(String, String), Error> {
    let token = secret::random_token(SESSION_PREFIX);
    let csrf = secret::random_token("");
    let now = Utc::now();
    session::ActiveModel {
        id: NotSet,
        token_hash: Set(secret::digest(&token)),
        user_id: Set(user_id),
        csrf_token: Set(csrf.clone()),
        created_at: Set(now),
        expires_at: Set(now + ttl),
    }
    .insert(db_)
    .await
    .map_err(db)?;
    // Expired sessions of this account go now rather than piling up.
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(db_)
        .await
        .map_err(db)?;
    Ok((token, csrf))
}

pub async fn delete_session(db_: &impl ConnectionTrait, session_id: i64) -> Result<(), Error> {
    session::Entity::delete_by_id(session_id)
        .exec(db_)
        .await
        .map_err(db)?;
    Ok(())
}

/// A personal access token as listed (never the secret).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn token_view(t: api_token::Model) -> TokenView {
    TokenView {
        id: t.id,
        scopes: parse_scopes(&t.scopes),
        name: t.name,
        created_at: t.created_at,
        expires_at: t.expires_at,
        revoked_at: t.revoked_at,
    }
}

pub async fn create_token(
    db_: &impl ConnectionTrait,
    user_id: i64,
    name: &str,
    scopes: &[Scope],
    expires_at: Option<DateTime<Utc>>,
) -> Result<(TokenView, String), Error> {
    let token = secret::random_token(super::TOKEN_PREFIX);
    let row = api_token::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(secret::digest(&token)),
        scopes: Set(serde_json::to_string(scopes).expect("scopes serialise")),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    }
    .insert(db_)
    .await
    .map_err(db)?;
    Ok((token_view(row), token))
}

pub async fn list_tokens(
    db_: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<TokenView>, Error> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_asc(api_token::Column::Id)
        .all(db_)
        .await
        .map_err(db)?
        .into_iter()
        .map(token_view)
        .collect())
}

/// Revokes one of the user's tokens; 404 when it is not theirs (or does not exist).
pub async fn revoke_token(
    db_: &impl ConnectionTrait,
    user_id: i64,
    token_id: i64,
) -> Result<(), Error> {
    let res = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_token::Column::Id.eq(token_id))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db_)
        .await
        .map_err(db)?;
    if res.rows_affected == 0 {
        return Err(Error::NotFound {
            kind: "token",
            id: token_id,
        });
    }
    Ok(())
}

/// A new invitation; returns its id and the code (shown once).
pub async fn create_invitation(
    db_: &impl ConnectionTrait,
    organisation_id: i64,
    email: Option<String>,
    role: OrgRole,
    created_by: i64,
    ttl: Duration,
) -> Result<(invitation::Model, String), Error> {
    let token = secret::random_token(INVITATION_PREFIX);
    let now = Utc::now();
    let row = invitation::ActiveModel {
        id: NotSet,
        organisation_id: Set(organisation_id),
        token_hash: Set(secret::digest(&token)),
        email: Set(email),
        role: Set(role.as_str().into()),
        created_by: Set(Some(created_by)),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        accepted_by: Set(None),
        accepted_at: Set(None),
    }
    .insert(db_)
    .await
    .map_err(db)?;
    Ok((row, token))
}

/// Accepts an invitation for `user`: single use, unexpired, and (when it names an address)
/// only by that address. Every refusal looks the same, so codes cannot be probed.
pub async fn accept_invitation(
    conn: &(impl ConnectionTrait + TransactionTrait),
    token: &str,
    user: &user::Model,
) -> Result<invitation::Model, Error> {
    let refused =
        || Error::Missing("the invitation does not exist, has expired or was already used".into());
    if !token.starts_with(INVITATION_PREFIX) || token.len() > 100 {
        return Err(refused());
    }
    let txn = conn.begin().await.map_err(db)?;
    let Some(inv) = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(secret::digest(token)))
        .one(&txn)
        .await
        .map_err(db)?
    else {
        return Err(refused());
    };
    if inv.accepted_at.is_some()
        || inv.expires_at <= Utc::now()
        || inv.email.as_deref().is_some_and(|e| e != user.email)
    {
        return Err(refused());
    }
    // Claim it atomically: a second accept in parallel updates no row.
    let claimed = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedBy, Expr::value(user.id))
        .col_expr(invitation::Column::AcceptedAt, Expr::value(Utc::now()))
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await
        .map_err(db)?;
    if claimed.rows_affected != 1 {
        return Err(refused());
    }
    let role = OrgRole::parse(&inv.role).unwrap_or(OrgRole::Member);
    add_member(&txn, user.id, inv.organisation_id, role).await?;
    txn.commit().await.map_err(db)?;
    Ok(inv)
}

/// Everything stored about one account, for `GET /me/export`.
pub async fn export(
    db_: &impl ConnectionTrait,
    u: &user::Model,
) -> Result<serde_json::Value, Error> {
    let sessions: Vec<serde_json::Value> = session::Entity::find()
        .filter(session::Column::UserId.eq(u.id))
        .all(db_)
        .await
        .map_err(db)?
        .into_iter()
        .map(|s| serde_json::json!({"created_at": s.created_at, "expires_at": s.expires_at}))
        .collect();
    let invitations: Vec<serde_json::Value> = invitation::Entity::find()
        .filter(
            invitation::Column::CreatedBy
                .eq(u.id)
                .or(invitation::Column::AcceptedBy.eq(u.id)),
        )
        .all(db_)
        .await
        .map_err(db)?
        .into_iter()
        .map(|i| {
            serde_json::json!({"id": i.id, "organisation_id": i.organisation_id, "email": i.email,
                "role": i.role, "created_by": i.created_by, "created_at": i.created_at,
                "expires_at": i.expires_at, "accepted_by": i.accepted_by, "accepted_at": i.accepted_at})
        })
        .collect();
    let audit = super::audit::list(db_, None, Some(u.id), 1000, 0).await?;
    Ok(serde_json::json!({
        "exported_at": Utc::now(),
        "account": view(db_, u).await?,
        "tokens": list_tokens(db_, u.id).await?,
        "sessions": sessions,
        "invitations": invitations,
        "audit_events": audit.items,
    }))
}

/// Deletes an account's personal data: the row stays (so that references from messages and
/// the audit log remain consistent) but holds nothing personal and can never sign in;
/// sessions, tokens and memberships are removed. Catalogue entries belong to organisations,
/// not to people, and stay.
pub async fn delete_account(
    conn: &(impl ConnectionTrait + TransactionTrait),
    user_id: i64,
) -> Result<(), Error> {
    let txn = conn.begin().await.map_err(db)?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(&txn)
        .await
        .map_err(db)?;
    api_token::Entity::delete_many()
        .filter(api_token::Column::UserId.eq(user_id))
        .exec(&txn)
        .await
        .map_err(db)?;
    member::Entity::delete_many()
        .filter(member::Column::UserId.eq(user_id))
        .exec(&txn)
        .await
        .map_err(db)?;
    // Pending invitations addressed by this account's creator stay valid; those naming the
    // account's address are personal data and go.
    let u = get_user(&txn, user_id).await?;
    invitation::Entity::delete_many()
        .filter(invitation::Column::Email.eq(u.email.clone()))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await
        .map_err(db)?;
    let now = Utc::now();
    let mut am: user::ActiveModel = u.into();
    am.email = Set(format!("deleted-{user_id}@invalid"));
    am.password_hash = Set("!".into());
    am.display_name = Set(None);
    am.role = Set(PlatformRole::Seeker.as_str().into());
    am.updated_at = Set(now);
    am.deleted_at = Set(Some(now));
    am.update(&txn).await.map_err(db)?;
    txn.commit().await.map_err(db)?;
    Ok(())
}
