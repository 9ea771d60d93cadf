//! Invitations into an organisation: single-use codes, optionally bound to one address.

use super::*;

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
    let role = OrgRole::from_stored(&inv.role)?;
    add_member(&txn, user.id, inv.organisation_id, role).await?;
    txn.commit().await.map_err(db)?;
    Ok(inv)
}
