//! Membership: joining, leaving, roles, sanctions.

use super::*;

pub async fn members(
    db: &DatabaseConnection,
    actor: Option<&Principal>,
    id: i64,
) -> R<Vec<Member>> {
    let (ch, f) = readable(db, id, actor).await?;
    let mut q = member::Entity::find().filter(member::Column::ChannelId.eq(id));
    if f.kind == ChannelKind::Direct {
        // The opener sees of the organisation's side only who wrote in the channel: its
        // accounts are the organisation's to know, not the opener's.
        let org_side = actor.is_some_and(|p| {
            p.is_operator() || ch.organisation_id.is_some_and(|o| p.is_member_of(o))
        });
        if !org_side {
            let authors = Query::select()
                .distinct()
                .column(message::Column::AuthorId)
                .from(message::Entity)
                .and_where(message::Column::ChannelId.eq(id))
                .to_owned();
            q = q.filter(
                Condition::any()
                    .add(member::Column::UserId.eq(ch.created_by))
                    .add(member::Column::UserId.in_subquery(authors)),
            );
        }
    }
    let rows = q.order_by_asc(member::Column::JoinedAt).all(db).await?;
    rows.into_iter().map(member_view).collect()
}

pub(crate) fn member_view(m: member::Model) -> R<Member> {
    Ok(Member {
        user_id: m.user_id,
        role: role_of(&m)?,
        muted_until: m.muted_until,
        banned: m.banned,
        joined_at: m.joined_at,
    })
}

pub async fn join(db: &DatabaseConnection, actor: &Principal, id: i64) -> R<Member> {
    let (_, f) = facts(db, id, Some(actor)).await?;
    if let Some(m) = &f.member {
        if m.banned {
            return Err(CommunityError::forbidden(
                "you are banned from this channel",
            ));
        }
        let row = membership(db, id, actor.user_id).await?.expect("member");
        return member_view(row);
    }
    policy::join_channel(actor, &f)?;
    member_view(add_member(db, id, actor.user_id, MemberRole::Member).await?)
}

/// Refuses to take the owner role from `m` (leaving, removal, demotion) when it is the
/// channel's last owner, so that a channel always has one.
pub(super) async fn keep_an_owner(db: &impl ConnectionTrait, m: &member::Model) -> R<()> {
    if m.role != MemberRole::Owner.as_str() {
        return Ok(());
    }
    let owners = member::Entity::find()
        .filter(member::Column::ChannelId.eq(m.channel_id))
        .filter(member::Column::Role.eq(MemberRole::Owner.as_str()))
        .filter(member::Column::Banned.eq(false))
        .count(db)
        .await?;
    if owners <= 1 {
        return Err(CommunityError::Conflict(
            "the last owner stays; name another owner first or delete the channel".into(),
        ));
    }
    Ok(())
}

/// The role of a member row as the policy sees it.
pub(super) fn role_of(m: &member::Model) -> R<MemberRole> {
    MemberRole::from_stored(&m.role)
}

/// Refuses acting on `target` unless the caller outranks them (see the policy).
pub(super) fn may_act_on(actor: &Principal, f: &ChannelFacts, target: &member::Model) -> R<()> {
    policy::act_on_member(actor, f, role_of(target)?)
}

/// Leaving as the last owner is refused, so that a channel always has one.
pub async fn leave(db: &DatabaseConnection, actor: &Principal, id: i64) -> R<()> {
    let m = membership(db, id, actor.user_id)
        .await?
        .ok_or_else(|| CommunityError::Conflict("you are not a member".into()))?;
    keep_an_owner(db, &m).await?;
    member::Entity::delete_by_id((id, actor.user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Changes a member's role (owners and moderators; naming owners is the owners'). A
/// non-member is invited instead (`invitations::invite`): nobody is added unasked.
pub async fn set_role(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    user_id: i64,
    role: MemberRole,
) -> R<Member> {
    let (_, f) = facts(db, id, Some(actor)).await?;
    policy::set_role(actor, &f, role)?;
    let m = membership(db, id, user_id)
        .await?
        .ok_or(CommunityError::NotFound {
            kind: "member",
            id: user_id,
        })?;
    may_act_on(actor, &f, &m)?;
    if role != MemberRole::Owner {
        keep_an_owner(db, &m).await?;
    }
    let mut am = m.into_active_model();
    am.role = Set(role.as_str().into());
    am.banned = Set(false);
    member_view(am.update(db).await?)
}

/// Removes a member (moderators). The caller tells the hub, which drops the user's
/// subscriptions on every instance.
pub async fn remove_member(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    user_id: i64,
) -> R<()> {
    let (_, f) = facts(db, id, Some(actor)).await?;
    if user_id == actor.user_id {
        return leave(db, actor, id).await;
    }
    policy::remove_member(actor, &f)?;
    let target = membership(db, id, user_id)
        .await?
        .ok_or(CommunityError::NotFound {
            kind: "member",
            id: user_id,
        })?;
    may_act_on(actor, &f, &target)?;
    keep_an_owner(db, &target).await?;
    member::Entity::delete_by_id((id, user_id)).exec(db).await?;
    Ok(())
}

/// Mutes a member for `minutes` (0 lifts the mute) or bans/unbans them.
pub async fn sanction(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    user_id: i64,
    mute_minutes: Option<i64>,
    ban: Option<bool>,
) -> R<Member> {
    let (_, f) = facts(db, id, Some(actor)).await?;
    policy::sanction(actor, &f)?;
    if user_id == actor.user_id {
        return Err(CommunityError::invalid("user_id", "not yourself"));
    }
    let row = match membership(db, id, user_id).await? {
        Some(m) => m,
        // A ban also keeps out someone who never joined.
        None if ban == Some(true) => {
            ensure_user(db, user_id).await?;
            add_member(db, id, user_id, MemberRole::Member).await?
        }
        None => {
            return Err(CommunityError::NotFound {
                kind: "member",
                id: user_id,
            })
        }
    };
    if row.role == MemberRole::Owner.as_str() {
        return Err(CommunityError::forbidden(
            "owners cannot be muted or banned",
        ));
    }
    may_act_on(actor, &f, &row)?;
    let mut am = row.into_active_model();
    if let Some(min) = mute_minutes {
        if !(0..=525_600).contains(&min) {
            return Err(CommunityError::invalid("mute_minutes", "0 to 525600"));
        }
        am.muted_until = Set((min > 0).then(|| Utc::now() + Duration::minutes(min)));
    }
    if let Some(b) = ban {
        am.banned = Set(b);
    }
    member_view(am.update(db).await?)
}
