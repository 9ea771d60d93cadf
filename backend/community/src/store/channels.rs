//! Channels: creating, finding, listing, updating and deleting them, and the facts the policy decides on.

use super::*;

pub async fn channel_model(db: &impl ConnectionTrait, id: i64) -> R<channel::Model> {
    channel::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(CommunityError::NotFound {
            kind: "channel",
            id,
        })
}

pub async fn membership(
    db: &impl ConnectionTrait,
    channel_id: i64,
    user_id: i64,
) -> R<Option<member::Model>> {
    Ok(member::Entity::find_by_id((channel_id, user_id))
        .one(db)
        .await?)
}

pub(super) fn facts_of(ch: &channel::Model, m: Option<&member::Model>) -> R<ChannelFacts> {
    Ok(ChannelFacts {
        channel_id: ch.id,
        kind: ChannelKind::from_stored(&ch.kind)?,
        visibility: ChannelVisibility::from_stored(&ch.visibility)?,
        organisation_id: ch.organisation_id,
        locked: ch.locked,
        member: m
            .map(|m| -> R<MemberFacts> {
                Ok(MemberFacts {
                    role: role_of(m)?,
                    banned: m.banned,
                    muted_until: m.muted_until,
                })
            })
            .transpose()?,
    })
}

/// The channel and the caller's standing in it, as the policy sees them.
pub async fn facts(
    db: &impl ConnectionTrait,
    channel_id: i64,
    actor: Option<&Principal>,
) -> R<(channel::Model, ChannelFacts)> {
    let ch = channel_model(db, channel_id).await?;
    let m = match actor {
        Some(p) => membership(db, channel_id, p.user_id).await?,
        None => None,
    };
    let f = facts_of(&ch, m.as_ref())?;
    Ok((ch, f))
}

/// Loads a channel the caller may read; a channel the caller may not see is "not found"
/// for anonymous callers and "forbidden" for signed-in ones.
pub async fn readable(
    db: &impl ConnectionTrait,
    channel_id: i64,
    actor: Option<&Principal>,
) -> R<(channel::Model, ChannelFacts)> {
    let (ch, f) = facts(db, channel_id, actor).await?;
    policy::read_channel(actor, &f)?;
    Ok((ch, f))
}

pub(super) fn validate_name(name: &str) -> R<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(CommunityError::invalid("name", "1 to 200 characters"));
    }
    Ok(n.to_owned())
}

/// Creates a channel with the caller as its owner; `members` are invited (they join by
/// accepting), never added without consent.
pub async fn create_channel(
    db: &DatabaseConnection,
    actor: &Principal,
    input: ChannelInput,
) -> R<(Channel, Vec<ChannelInvitation>)> {
    let name = validate_name(&input.name)?;
    if input.description.chars().count() > 5000 {
        return Err(CommunityError::invalid(
            "description",
            "at most 5000 characters",
        ));
    }
    if input.kind == ChannelKind::Direct {
        return Err(CommunityError::invalid(
            "kind",
            "direct channels are opened with POST /api/v1/matches/channel",
        ));
    }
    if input.kind == ChannelKind::Qa && input.solution_id.is_none() {
        return Err(CommunityError::invalid(
            "solution_id",
            "a Q&A channel belongs to one solution",
        ));
    }
    if input.visibility == ChannelVisibility::Organisation && input.organisation_id.is_none() {
        return Err(CommunityError::invalid(
            "organisation_id",
            "an organisation-only channel needs its organisation",
        ));
    }
    policy::create_channel(actor, input.kind, input.organisation_id)?;
    if let Some(id) = input.solution_id {
        ensure_exists(db, "solutions", id).await?;
    }
    if let Some(id) = input.organisation_id {
        ensure_exists(db, "organisations", id).await?;
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let ch = channel::ActiveModel {
        kind: Set(input.kind.as_str().into()),
        visibility: Set(input.visibility.as_str().into()),
        name: Set(name),
        description: Set(input.description),
        organisation_id: Set(input.organisation_id),
        solution_id: Set(input.solution_id),
        direct_key: Set(None),
        created_by: Set(actor.user_id),
        locked: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    add_member(&txn, ch.id, actor.user_id, MemberRole::Owner).await?;
    let invited = crate::invitations::invite_at_creation(&txn, &ch, &input.members).await?;
    txn.commit().await?;
    Ok((Channel::from_model(ch, Some(MemberRole::Owner))?, invited))
}

/// A development community opened by adoption (a reached interest threshold), not by a
/// person's request: `owner` owns it and `members` (who signed the interest that opened
/// it) are members at once. Visible to its members only. Runs in the caller's transaction.
pub async fn open_development_community(
    db: &impl ConnectionTrait,
    owner: i64,
    name: &str,
    description: String,
    organisation_id: Option<i64>,
    solution_id: Option<i64>,
    members: &[i64],
) -> R<Channel> {
    let name: String = name.trim().chars().take(200).collect();
    let name = validate_name(&name)?;
    let now = Utc::now();
    let ch = channel::ActiveModel {
        kind: Set(ChannelKind::Community.as_str().into()),
        visibility: Set(ChannelVisibility::Members.as_str().into()),
        name: Set(name),
        description: Set(description.chars().take(5000).collect()),
        organisation_id: Set(organisation_id),
        solution_id: Set(solution_id),
        direct_key: Set(None),
        created_by: Set(owner),
        locked: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    add_member(db, ch.id, owner, MemberRole::Owner).await?;
    let mut others: Vec<i64> = members.iter().copied().filter(|u| *u != owner).collect();
    others.sort_unstable();
    others.dedup();
    if !others.is_empty() {
        let rows = others.into_iter().map(|user| member::ActiveModel {
            channel_id: Set(ch.id),
            user_id: Set(user),
            role: Set(MemberRole::Member.as_str().into()),
            muted_until: Set(None),
            banned: Set(false),
            last_read_id: Set(0),
            joined_at: Set(now),
        });
        member::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Channel::from_model(ch, Some(MemberRole::Owner))
}

/// Makes `user_id` a member of the channel unless they are one (or were banned from it);
/// true when added. Safe against a concurrent insert of the same membership.
pub async fn ensure_member(db: &impl ConnectionTrait, channel_id: i64, user_id: i64) -> R<bool> {
    let row = member::ActiveModel {
        channel_id: Set(channel_id),
        user_id: Set(user_id),
        role: Set(MemberRole::Member.as_str().into()),
        muted_until: Set(None),
        banned: Set(false),
        last_read_id: Set(0),
        joined_at: Set(Utc::now()),
    };
    let res = member::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                member::Column::ChannelId,
                member::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(matches!(res, sea_orm::TryInsertResult::Inserted(n) if n > 0))
}

pub(super) async fn ensure_exists(db: &impl ConnectionTrait, table: &str, id: i64) -> R<()> {
    #[derive(FromQueryResult)]
    struct One {
        #[allow(dead_code)]
        n: i64,
    }
    let sql = sea_orm::sea_query::Query::select()
        .expr_as(Expr::val(1i64), sea_orm::sea_query::Alias::new("n"))
        .from(sea_orm::sea_query::Alias::new(table))
        .and_where(Expr::col(sea_orm::sea_query::Alias::new("id")).eq(id))
        .to_owned();
    let stmt = db.get_database_backend().build(&sql);
    match One::find_by_statement(stmt).one(db).await? {
        Some(_) => Ok(()),
        None => Err(CommunityError::invalid(
            table.trim_end_matches('s'),
            format!("{} {id} does not exist", table.trim_end_matches('s')),
        )),
    }
}

pub(crate) async fn ensure_user(db: &impl ConnectionTrait, id: i64) -> R<()> {
    ensure_exists(db, "users", id)
        .await
        .map_err(|_| CommunityError::invalid("user_id", format!("user {id} does not exist")))
}

pub(crate) async fn add_member(
    db: &impl ConnectionTrait,
    channel_id: i64,
    user_id: i64,
    role: MemberRole,
) -> R<member::Model> {
    Ok(member::ActiveModel {
        channel_id: Set(channel_id),
        user_id: Set(user_id),
        role: Set(role.as_str().into()),
        muted_until: Set(None),
        banned: Set(false),
        last_read_id: Set(0),
        joined_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

pub async fn get_channel(
    db: &DatabaseConnection,
    actor: Option<&Principal>,
    id: i64,
) -> R<Channel> {
    let (ch, f) = readable(db, id, actor).await?;
    Channel::from_model(ch, f.member.map(|m| m.role))
}

#[derive(Clone, Debug, Default)]
pub struct ChannelFilter {
    pub kind: Option<ChannelKind>,
    pub solution_id: Option<i64>,
    pub organisation_id: Option<i64>,
    /// Only channels the caller belongs to.
    pub mine: bool,
    pub q: Option<String>,
}

/// Public channels, plus the caller's own and those of the caller's organisations.
pub async fn list_channels(
    db: &DatabaseConnection,
    actor: Option<&Principal>,
    filter: &ChannelFilter,
    limit: u64,
    offset: u64,
) -> R<Vec<Channel>> {
    let mut roles = std::collections::HashMap::new();
    let mut visible = Condition::any();
    if !filter.mine {
        visible = visible.add(channel::Column::Visibility.eq("public"));
    }
    if let Some(p) = actor {
        let mine = member::Entity::find()
            .filter(member::Column::UserId.eq(p.user_id))
            .filter(member::Column::Banned.eq(false))
            .all(db)
            .await?;
        let ids: Vec<i64> = mine.iter().map(|m| m.channel_id).collect();
        for m in mine {
            roles.insert(m.channel_id, role_of(&m)?);
        }
        visible = visible.add(channel::Column::Id.is_in(ids));
        if !filter.mine {
            let orgs = p.organisation_ids();
            if !orgs.is_empty() {
                visible = visible.add(
                    Condition::all()
                        .add(channel::Column::Visibility.eq("organisation"))
                        .add(channel::Column::OrganisationId.is_in(orgs)),
                );
            }
        }
    } else if filter.mine {
        return Ok(Vec::new());
    }
    let mut q = channel::Entity::find().filter(visible);
    if let Some(k) = filter.kind {
        q = q.filter(channel::Column::Kind.eq(k.as_str()));
    }
    if let Some(s) = filter.solution_id {
        q = q.filter(channel::Column::SolutionId.eq(s));
    }
    if let Some(o) = filter.organisation_id {
        q = q.filter(channel::Column::OrganisationId.eq(o));
    }
    if let Some(text) = filter.q.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(contains_ci(channel::Column::Name, text));
    }
    let rows = q
        .order_by_desc(channel::Column::UpdatedAt)
        .order_by_desc(channel::Column::Id)
        .limit(limit.clamp(1, MAX_PAGE))
        .offset(offset)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|c| {
            let role = roles.get(&c.id).copied();
            Channel::from_model(c, role)
        })
        .collect()
}

pub async fn update_channel(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    patch: ChannelPatch,
) -> R<Channel> {
    let (ch, f) = facts(db, id, Some(actor)).await?;
    policy::manage_channel(actor, &f)?;
    let role = f.member.as_ref().map(|m| m.role);
    let mut am = ch.into_active_model();
    if let Some(n) = patch.name {
        am.name = Set(validate_name(&n)?);
    }
    if let Some(d) = patch.description {
        am.description = Set(d);
    }
    if let Some(v) = patch.visibility {
        if f.kind == ChannelKind::Direct {
            return Err(CommunityError::invalid(
                "visibility",
                "a direct channel stays private",
            ));
        }
        if v == ChannelVisibility::Organisation && f.organisation_id.is_none() {
            return Err(CommunityError::invalid(
                "visibility",
                "the channel has no organisation",
            ));
        }
        am.visibility = Set(v.as_str().into());
    }
    if let Some(l) = patch.locked {
        policy::lock_channel(actor, &f)?;
        am.locked = Set(l);
    }
    am.updated_at = Set(Utc::now());
    let ch = am.update(db).await?;
    Channel::from_model(ch, role)
}

pub async fn delete_channel(db: &DatabaseConnection, actor: &Principal, id: i64) -> R<()> {
    let (_, f) = facts(db, id, Some(actor)).await?;
    policy::delete_channel(actor, &f)?;
    let txn = db.begin().await?;
    // Children first: SQLite enforces foreign keys only per connection setting.
    let msg_ids: Vec<i64> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::ChannelId.eq(id))
        .into_tuple()
        .all(&txn)
        .await?;
    for chunk in msg_ids.chunks(500) {
        reaction::Entity::delete_many()
            .filter(reaction::Column::MessageId.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
        edit::Entity::delete_many()
            .filter(edit::Column::MessageId.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
        report::Entity::delete_many()
            .filter(report::Column::MessageId.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
    }
    notification::Entity::delete_many()
        .filter(notification::Column::ChannelId.eq(id))
        .exec(&txn)
        .await?;
    message::Entity::delete_many()
        .filter(message::Column::ChannelId.eq(id))
        .exec(&txn)
        .await?;
    member::Entity::delete_many()
        .filter(member::Column::ChannelId.eq(id))
        .exec(&txn)
        .await?;
    invitation::Entity::delete_many()
        .filter(invitation::Column::ChannelId.eq(id))
        .exec(&txn)
        .await?;
    channel::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}
