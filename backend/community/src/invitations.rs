//! Invitations into channels: nobody becomes a member of a channel without consent. An
//! owner or moderator invites, the invitee lists their invitations and accepts (becoming a
//! member with the offered role) or declines. Direct channels take no invitations.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait, TryIntoModel,
};

use super::entity::{channel, invitation};
use super::model::{ChannelInvitation, Member, MemberRole, Person};
use super::policy;
use super::store::{add_member, ensure_user, facts, member_view, membership, people_by_ids};
use super::CommunityError;
use matchraum_accounts::Principal;
use matchraum_core::vocab::Stored;

type R<T> = Result<T, CommunityError>;

fn view(i: invitation::Model, channel_name: String, inviter: Person) -> R<ChannelInvitation> {
    Ok(ChannelInvitation {
        id: i.id,
        channel_id: i.channel_id,
        channel_name,
        user_id: i.user_id,
        role: MemberRole::from_stored(&i.role)?,
        invited_by: i.invited_by,
        inviter,
        created_at: i.created_at,
    })
}

/// Invites `user_id` into the channel with `role` (owners and moderators; naming owners
/// is the owners'). Inviting again updates the pending invitation.
pub async fn invite(
    db: &DatabaseConnection,
    actor: &Principal,
    channel_id: i64,
    user_id: i64,
    role: MemberRole,
) -> R<ChannelInvitation> {
    let (ch, f) = facts(db, channel_id, Some(actor)).await?;
    policy::invite(actor, &f, role)?;
    ensure_user(db, user_id).await?;
    if let Some(m) = membership(db, channel_id, user_id).await? {
        return Err(CommunityError::Conflict(if m.banned {
            "the user is banned from this channel; lift the ban first".into()
        } else {
            "already a member; change the role with POST /channels/{id}/members".into()
        }));
    }
    let row = upsert(db, channel_id, user_id, role, actor.user_id).await?;
    let inviter = person(db, actor.user_id).await?;
    view(row, ch.name, inviter)
}

/// Invitations of a channel's creation (`POST /channels` with `members`), in its
/// transaction.
pub async fn invite_at_creation(
    db: &impl ConnectionTrait,
    ch: &channel::Model,
    user_ids: &[i64],
) -> R<Vec<ChannelInvitation>> {
    let mut out = Vec::with_capacity(user_ids.len());
    let inviter = person(db, ch.created_by).await?;
    for uid in user_ids.iter().filter(|u| **u != ch.created_by) {
        ensure_user(db, *uid).await?;
        let row = upsert(db, ch.id, *uid, MemberRole::Member, ch.created_by).await?;
        out.push(view(row, ch.name.clone(), inviter.clone())?);
    }
    Ok(out)
}

async fn upsert(
    db: &impl ConnectionTrait,
    channel_id: i64,
    user_id: i64,
    role: MemberRole,
    invited_by: i64,
) -> R<invitation::Model> {
    let existing = invitation::Entity::find()
        .filter(invitation::Column::ChannelId.eq(channel_id))
        .filter(invitation::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    let mut am: invitation::ActiveModel = match existing {
        Some(i) => i.into(),
        None => invitation::ActiveModel {
            channel_id: Set(channel_id),
            user_id: Set(user_id),
            ..Default::default()
        },
    };
    am.role = Set(role.as_str().into());
    am.invited_by = Set(invited_by);
    am.created_at = Set(Utc::now());
    Ok(am.save(db).await?.try_into_model()?)
}

/// The caller's pending invitations, newest first.
pub async fn mine(db: &DatabaseConnection, actor: &Principal) -> R<Vec<ChannelInvitation>> {
    let rows = invitation::Entity::find()
        .filter(invitation::Column::UserId.eq(actor.user_id))
        .order_by_desc(invitation::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|i| i.channel_id).collect();
    let names: std::collections::HashMap<i64, String> = channel::Entity::find()
        .filter(channel::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let inviter_ids: Vec<i64> = rows.iter().map(|i| i.invited_by).collect();
    let inviters = people_by_ids(db, &inviter_ids).await?;
    rows.into_iter()
        .map(|i| {
            let name = names.get(&i.channel_id).cloned().unwrap_or_default();
            let inviter = inviters
                .get(&i.invited_by)
                .cloned()
                .unwrap_or_else(|| Person::unknown(i.invited_by));
            view(i, name, inviter)
        })
        .collect()
}

/// One account as others see it.
async fn person(db: &impl ConnectionTrait, id: i64) -> R<Person> {
    Ok(people_by_ids(db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_else(|| Person::unknown(id)))
}

/// The caller's own invitation (another's is "not found", like a missing one).
async fn own(db: &impl ConnectionTrait, actor: &Principal, id: i64) -> R<invitation::Model> {
    invitation::Entity::find_by_id(id)
        .filter(invitation::Column::UserId.eq(actor.user_id))
        .one(db)
        .await?
        .ok_or(CommunityError::NotFound {
            kind: "invitation",
            id,
        })
}

/// Accepts: the caller becomes a member with the offered role; the invitation is used up.
pub async fn accept(db: &DatabaseConnection, actor: &Principal, id: i64) -> R<Member> {
    let txn = db.begin().await?;
    let inv = own(&txn, actor, id).await?;
    invitation::Entity::delete_by_id(inv.id).exec(&txn).await?;
    let member = match membership(&txn, inv.channel_id, actor.user_id).await? {
        // Joined meanwhile (a public channel): the membership stands as it is.
        Some(m) => m,
        None => {
            let role = MemberRole::from_stored(&inv.role)?;
            add_member(&txn, inv.channel_id, actor.user_id, role).await?
        }
    };
    txn.commit().await?;
    member_view(member)
}

pub async fn decline(db: &DatabaseConnection, actor: &Principal, id: i64) -> R<()> {
    let inv = own(db, actor, id).await?;
    invitation::Entity::delete_by_id(inv.id).exec(db).await?;
    Ok(())
}
