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
use matchraum_core::vocab::Stored;
use matchraum_core::Error;

mod credentials;
mod invitations;

pub use credentials::*;
pub use invitations::*;

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

fn role_of(m: &user::Model) -> Result<PlatformRole, Error> {
    PlatformRole::from_stored(&m.role)
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
    member::Entity::find()
        .filter(member::Column::UserId.eq(user_id))
        .order_by_asc(member::Column::OrganisationId)
        .all(db_)
        .await
        .map_err(db)?
        .into_iter()
        .map(|m| {
            Ok(Membership {
                organisation_id: m.organisation_id,
                role: OrgRole::from_stored(&m.role)?,
            })
        })
        .collect()
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
        role: role_of(u)?,
        memberships: memberships(db_, u.id).await?,
        via,
    })
}

pub async fn view(db_: &impl ConnectionTrait, u: &user::Model) -> Result<UserView, Error> {
    Ok(UserView {
        id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: role_of(u)?,
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
    let old = role_of(&u)?;
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
