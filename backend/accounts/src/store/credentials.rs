//! Proving who is calling: sessions, personal access tokens and the principals behind them.

use super::*;

/// The principal of a bearer token, if the token exists, is not revoked and not expired.
pub async fn principal_for_token(
    db_: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Principal>, Error> {
    if !token.starts_with(crate::TOKEN_PREFIX) || token.len() > 100 {
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
    let scopes = parse_scopes(&t.scopes)?;
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

/// A token's stored scopes (a JSON list of scope codes).
fn parse_scopes(s: &str) -> Result<Vec<Scope>, Error> {
    let codes: Vec<String> = serde_json::from_str(s)
        .map_err(|e| Error::Corrupt(format!("stored token scopes are not a JSON list: {e}")))?;
    codes.iter().map(|c| Scope::from_stored(c)).collect()
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

fn token_view(t: api_token::Model) -> Result<TokenView, Error> {
    Ok(TokenView {
        id: t.id,
        scopes: parse_scopes(&t.scopes)?,
        name: t.name,
        created_at: t.created_at,
        expires_at: t.expires_at,
        revoked_at: t.revoked_at,
    })
}

pub async fn create_token(
    db_: &impl ConnectionTrait,
    user_id: i64,
    name: &str,
    scopes: &[Scope],
    expires_at: Option<DateTime<Utc>>,
) -> Result<(TokenView, String), Error> {
    let token = secret::random_token(crate::TOKEN_PREFIX);
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
    Ok((token_view(row)?, token))
}

pub async fn list_tokens(
    db_: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<TokenView>, Error> {
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_asc(api_token::Column::Id)
        .all(db_)
        .await
        .map_err(db)?
        .into_iter()
        .map(token_view)
        .collect()
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
