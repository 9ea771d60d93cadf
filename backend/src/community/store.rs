//! Storage and rules of the community: every function checks the caller against
//! `auth::policy` and returns domain types; publishing to sockets is the caller's job
//! (persist first, then publish).

use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, FromQueryResult, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use super::entity::{channel, edit, invitation, member, message, notification, reaction, report};
use super::markdown;
use super::model::*;
use super::{ChannelFacts, CommunityError, MemberFacts};
use crate::auth::policy;
use crate::auth::Principal;

type R<T> = Result<T, CommunityError>;

pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_CLIENT_MSG_ID: usize = 64;
pub const DEFAULT_PAGE: u64 = 50;
pub const MAX_PAGE: u64 = 200;

// ---- channels ------------------------------------------------------------------------

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

fn facts_of(ch: &channel::Model, m: Option<&member::Model>) -> ChannelFacts {
    ChannelFacts {
        channel_id: ch.id,
        kind: ChannelKind::parse(&ch.kind).unwrap_or(ChannelKind::Community),
        visibility: ChannelVisibility::parse(&ch.visibility).unwrap_or(ChannelVisibility::Members),
        organisation_id: ch.organisation_id,
        locked: ch.locked,
        member: m.map(|m| MemberFacts {
            role: role_of(m),
            banned: m.banned,
            muted_until: m.muted_until,
        }),
    }
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
    let f = facts_of(&ch, m.as_ref());
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
    if !policy::can_read_channel(actor, &f) {
        return Err(CommunityError::forbidden(
            "you may not read this channel (join it or ask for an invitation)",
        ));
    }
    Ok((ch, f))
}

fn validate_name(name: &str) -> R<String> {
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
    if !policy::can_create_channel(actor, input.kind, input.organisation_id) {
        return Err(CommunityError::forbidden(match input.kind {
            ChannelKind::Forum => "only community managers open forums",
            _ => "you may not create a channel for this organisation",
        }));
    }
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
    let invited = super::invitations::invite_at_creation(&txn, &ch, &input.members).await?;
    txn.commit().await?;
    Ok((Channel::from_model(ch, Some(MemberRole::Owner)), invited))
}

async fn ensure_exists(db: &impl ConnectionTrait, table: &str, id: i64) -> R<()> {
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

pub(super) async fn ensure_user(db: &impl ConnectionTrait, id: i64) -> R<()> {
    ensure_exists(db, "users", id)
        .await
        .map_err(|_| CommunityError::invalid("user_id", format!("user {id} does not exist")))
}

pub(super) async fn add_member(
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
    Ok(Channel::from_model(ch, f.member.map(|m| m.role)))
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
            roles.insert(m.channel_id, MemberRole::parse(&m.role));
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
    Ok(rows
        .into_iter()
        .map(|c| {
            let role = roles.get(&c.id).copied().flatten();
            Channel::from_model(c, role)
        })
        .collect())
}

pub async fn update_channel(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    patch: ChannelPatch,
) -> R<Channel> {
    let (ch, f) = facts(db, id, Some(actor)).await?;
    if !policy::can_manage_channel(actor, &f) {
        return Err(CommunityError::forbidden(
            "only the channel's owners and moderators change it",
        ));
    }
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
        if !policy::can_moderate(actor, &f) {
            return Err(CommunityError::forbidden(
                "locking a channel is moderation (a token needs the moderate scope)",
            ));
        }
        am.locked = Set(l);
    }
    am.updated_at = Set(Utc::now());
    let ch = am.update(db).await?;
    Ok(Channel::from_model(ch, role))
}

pub async fn delete_channel(db: &DatabaseConnection, actor: &Principal, id: i64) -> R<()> {
    let (_, f) = facts(db, id, Some(actor)).await?;
    if !policy::can_delete_channel(actor, &f) {
        return Err(CommunityError::forbidden(
            "only the channel's owner deletes it",
        ));
    }
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

// ---- membership ----------------------------------------------------------------------

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
    Ok(rows.into_iter().map(member_view).collect())
}

pub(super) fn member_view(m: member::Model) -> Member {
    Member {
        user_id: m.user_id,
        role: role_of(&m),
        muted_until: m.muted_until,
        banned: m.banned,
        joined_at: m.joined_at,
    }
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
        return Ok(member_view(row));
    }
    if !policy::can_join_channel(actor, &f) {
        return Err(CommunityError::forbidden(
            "this channel is open by invitation only",
        ));
    }
    Ok(member_view(
        add_member(db, id, actor.user_id, MemberRole::Member).await?,
    ))
}

/// Refuses to take the owner role from `m` (leaving, removal, demotion) when it is the
/// channel's last owner, so that a channel always has one.
async fn keep_an_owner(db: &impl ConnectionTrait, m: &member::Model) -> R<()> {
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
fn role_of(m: &member::Model) -> MemberRole {
    MemberRole::parse(&m.role).unwrap_or(MemberRole::Member)
}

/// Refuses acting on `target` unless the caller outranks them (see the policy).
fn may_act_on(actor: &Principal, f: &ChannelFacts, target: &member::Model) -> R<()> {
    if policy::can_act_on_member(actor, f, role_of(target)) {
        Ok(())
    } else {
        Err(CommunityError::forbidden(
            "only owners change or sanction owners and moderators",
        ))
    }
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
    if !policy::can_invite(actor, &f) {
        return Err(CommunityError::forbidden(
            "only owners and moderators change roles",
        ));
    }
    if role == MemberRole::Owner && !policy::can_delete_channel(actor, &f) {
        return Err(CommunityError::forbidden("only owners name owners"));
    }
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
    Ok(member_view(am.update(db).await?))
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
    if !policy::can_moderate(actor, &f) {
        return Err(CommunityError::forbidden("only moderators remove members"));
    }
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
    if !policy::can_moderate(actor, &f) {
        return Err(CommunityError::forbidden("only moderators mute or ban"));
    }
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
    Ok(member_view(am.update(db).await?))
}

// ---- messages ------------------------------------------------------------------------

/// The outcome of a send: the stored message and whether this call created it (false for
/// a retried `client_msg_id`).
pub struct Posted {
    pub message: Message,
    pub created: bool,
    /// Users mentioned and notified.
    pub mentioned: Vec<i64>,
}

fn validate_body(body: &str) -> R<()> {
    if body.trim().is_empty() {
        return Err(CommunityError::invalid("body", "must not be empty"));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(CommunityError::invalid(
            "body",
            format!("at most {MAX_BODY_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Stores a message (persist first: the caller publishes the result afterwards).
pub async fn post_message(
    db: &DatabaseConnection,
    actor: &Principal,
    channel_id: i64,
    input: MessageInput,
) -> R<Posted> {
    if let Some(c) = &input.client_msg_id {
        if c.is_empty() || c.len() > MAX_CLIENT_MSG_ID {
            return Err(CommunityError::invalid(
                "client_msg_id",
                format!("1 to {MAX_CLIENT_MSG_ID} bytes"),
            ));
        }
        // A retry: answer with what was stored the first time.
        if let Some(m) = find_by_client_id(db, channel_id, actor.user_id, c).await? {
            return Ok(Posted {
                message: Message::from_model(m, false),
                created: false,
                mentioned: Vec::new(),
            });
        }
    }
    validate_body(&input.body)?;
    let (_, f) = facts(db, channel_id, Some(actor)).await?;
    match policy::can_post(actor, &f, Utc::now()) {
        Ok(()) => {}
        Err(why) => return Err(CommunityError::forbidden(why)),
    }
    let mut kind = MessageKind::Message;
    if let Some(parent_id) = input.reply_to {
        let parent = message::Entity::find_by_id(parent_id)
            .one(db)
            .await?
            .filter(|p| p.channel_id == channel_id)
            .ok_or_else(|| {
                CommunityError::invalid("reply_to", "no such message in this channel")
            })?;
        if parent.locked && !policy::can_moderate(actor, &f) {
            return Err(CommunityError::forbidden("this topic is locked"));
        }
        if parent.state == "deleted" {
            return Err(CommunityError::invalid(
                "reply_to",
                "the message was deleted",
            ));
        }
        if f.kind == ChannelKind::Qa && parent.kind == "question" {
            kind = MessageKind::Answer;
        }
    } else {
        kind = match f.kind {
            ChannelKind::Qa => MessageKind::Question,
            ChannelKind::Forum => MessageKind::Topic,
            _ => MessageKind::Message,
        };
    }
    let title = match input.title.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(t) if t.chars().count() > 300 => {
            return Err(CommunityError::invalid("title", "at most 300 characters"))
        }
        Some(t) => Some(t.to_owned()),
    };
    let html = markdown::render(&input.body);
    // The channel's next `seq` and the insert commit together, under the channel row's
    // lock: seqs have no gaps, and within a channel a later seq commits later (so a
    // replay never skips a message that commits after it).
    let txn = db.begin().await?;
    let seq = next_seq(&txn, channel_id).await?;
    let am = message::ActiveModel {
        channel_id: Set(channel_id),
        seq: Set(seq),
        author_id: Set(actor.user_id),
        client_msg_id: Set(input.client_msg_id.clone()),
        kind: Set(kind.as_str().into()),
        title: Set(title),
        body: Set(input.body.clone()),
        body_html: Set(html),
        reply_to: Set(input.reply_to),
        accepted_answer_id: Set(None),
        state: Set("visible".into()),
        pinned: Set(false),
        locked: Set(false),
        created_at: Set(Utc::now()),
        edited_at: Set(None),
        ..Default::default()
    };
    let stored = match am.insert(&txn).await {
        Ok(m) => m,
        Err(e) => {
            drop(txn);
            // Two concurrent retries of one send: the loser reads the winner's row.
            if let (Some(c), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) =
                (&input.client_msg_id, e.sql_err())
            {
                if let Some(m) = find_by_client_id(db, channel_id, actor.user_id, c).await? {
                    return Ok(Posted {
                        message: Message::from_model(m, false),
                        created: false,
                        mentioned: Vec::new(),
                    });
                }
            }
            return Err(e.into());
        }
    };
    let mentioned = notify_mentions(&txn, &stored).await?;
    txn.commit().await?;
    Ok(Posted {
        message: Message::from_model(stored, false),
        created: true,
        mentioned,
    })
}

/// Takes the channel's next message `seq`. The `UPDATE` is the transaction's first write,
/// so it locks the channel row on PostgreSQL and takes the write lock on SQLite (no
/// read-then-upgrade deadlock) until commit.
async fn next_seq(txn: &DatabaseTransaction, channel_id: i64) -> R<i64> {
    let sql = Query::update()
        .table(channel::Entity)
        .value(
            channel::Column::LastSeq,
            Expr::col(channel::Column::LastSeq).add(1),
        )
        .and_where(channel::Column::Id.eq(channel_id))
        .returning_col(channel::Column::LastSeq)
        .to_owned();
    let stmt = txn.get_database_backend().build(&sql);
    let row = txn.query_one(stmt).await?.ok_or(CommunityError::NotFound {
        kind: "channel",
        id: channel_id,
    })?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

async fn find_by_client_id(
    db: &impl ConnectionTrait,
    channel_id: i64,
    author_id: i64,
    client_msg_id: &str,
) -> R<Option<message::Model>> {
    Ok(message::Entity::find()
        .filter(message::Column::ChannelId.eq(channel_id))
        .filter(message::Column::AuthorId.eq(author_id))
        .filter(message::Column::ClientMsgId.eq(client_msg_id))
        .one(db)
        .await?)
}

/// Notifies mentioned users who are members of the channel.
async fn notify_mentions(db: &impl ConnectionTrait, m: &message::Model) -> R<Vec<i64>> {
    let ids: Vec<i64> = markdown::mentions(&m.body)
        .into_iter()
        .filter(|u| *u != m.author_id)
        .collect();
    if ids.is_empty() {
        return Ok(ids);
    }
    let members: Vec<i64> = member::Entity::find()
        .select_only()
        .column(member::Column::UserId)
        .filter(member::Column::ChannelId.eq(m.channel_id))
        .filter(member::Column::UserId.is_in(ids))
        .filter(member::Column::Banned.eq(false))
        .into_tuple()
        .all(db)
        .await?;
    for uid in &members {
        notification::ActiveModel {
            user_id: Set(*uid),
            kind: Set("mention".into()),
            channel_id: Set(m.channel_id),
            message_id: Set(m.id),
            created_at: Set(Utc::now()),
            read_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(members)
}

async fn message_model(db: &impl ConnectionTrait, id: i64) -> R<message::Model> {
    message::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(CommunityError::NotFound {
            kind: "message",
            id,
        })
}

/// Messages after `since` in id order, at most `limit` (the websocket replay).
pub async fn messages_since(
    db: &impl ConnectionTrait,
    channel_id: i64,
    since: i64,
    limit: u64,
) -> R<Vec<Message>> {
    let rows = message::Entity::find()
        .filter(message::Column::ChannelId.eq(channel_id))
        .filter(message::Column::Id.gt(since))
        .order_by_asc(message::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| Message::from_model(m, false))
        .collect())
}

/// Where a channel stands: its newest message's `(id, seq)`, or with `upto` the newest
/// with an id up to it; `(0, 0)` when there is none. Within a channel ids and seqs rise
/// together (see `post_message`).
pub async fn position(
    db: &impl ConnectionTrait,
    channel_id: i64,
    upto: Option<i64>,
) -> R<(i64, i64)> {
    let mut q = message::Entity::find()
        .select_only()
        .column_as(message::Column::Id.max(), "id")
        .column_as(message::Column::Seq.max(), "seq")
        .filter(message::Column::ChannelId.eq(channel_id));
    if let Some(upto) = upto {
        q = q.filter(message::Column::Id.lte(upto));
    }
    let row: Option<(Option<i64>, Option<i64>)> = q.into_tuple().one(db).await?;
    let (id, seq) = row.unwrap_or_default();
    Ok((id.unwrap_or(0), seq.unwrap_or(0)))
}

#[derive(Clone, Debug, Default)]
pub struct HistoryQuery {
    /// Only messages with a smaller id (cursor).
    pub before: Option<i64>,
    /// Only messages with a larger id.
    pub after: Option<i64>,
    pub limit: Option<u64>,
    /// Only replies to this message (a thread).
    pub thread: Option<i64>,
    /// Substring search in the text.
    pub q: Option<String>,
    pub pinned: Option<bool>,
}

pub async fn history(
    db: &DatabaseConnection,
    actor: Option<&Principal>,
    channel_id: i64,
    hq: &HistoryQuery,
) -> R<HistoryPage> {
    let (_, f) = readable(db, channel_id, actor).await?;
    let full = actor.is_some_and(|p| policy::can_moderate(p, &f));
    let limit = hq.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(CommunityError::invalid("limit", format!("1 to {MAX_PAGE}")));
    }
    let mut q = message::Entity::find().filter(message::Column::ChannelId.eq(channel_id));
    if let Some(b) = hq.before {
        q = q.filter(message::Column::Id.lt(b));
    }
    if let Some(a) = hq.after {
        q = q.filter(message::Column::Id.gt(a));
    }
    if let Some(t) = hq.thread {
        q = q.filter(
            Condition::any()
                .add(message::Column::ReplyTo.eq(t))
                .add(message::Column::Id.eq(t)),
        );
    }
    if let Some(p) = hq.pinned {
        q = q.filter(message::Column::Pinned.eq(p));
    }
    if let Some(text) = hq.q.as_deref().filter(|s| !s.trim().is_empty()) {
        q = q.filter(message::Column::State.eq("visible")).filter(
            Condition::any()
                .add(contains_ci(message::Column::Body, text.trim()))
                .add(contains_ci(message::Column::Title, text.trim())),
        );
    }
    let rows = q
        .order_by_desc(message::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next_before = if more {
        rows.last().map(|m| m.id)
    } else {
        None
    };
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let mut reactions = reactions_of(db, &ids, actor.map(|p| p.user_id)).await?;
    let items = rows
        .into_iter()
        .map(|m| {
            let r = reactions.remove(&m.id).unwrap_or_default();
            MessageWithReactions {
                message: Message::from_model(m, full),
                reactions: r,
            }
        })
        .collect();
    Ok(HistoryPage { items, next_before })
}

async fn reactions_of(
    db: &impl ConnectionTrait,
    ids: &[i64],
    me: Option<i64>,
) -> R<std::collections::HashMap<i64, Vec<ReactionCount>>> {
    let mut out: std::collections::HashMap<i64, Vec<ReactionCount>> = Default::default();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = reaction::Entity::find()
        .filter(reaction::Column::MessageId.is_in(ids.to_vec()))
        .order_by_asc(reaction::Column::CreatedAt)
        .all(db)
        .await?;
    for r in rows {
        let list = out.entry(r.message_id).or_default();
        let mine = Some(r.user_id) == me;
        match list.iter_mut().find(|c| c.emoji == r.emoji) {
            Some(c) => {
                c.count += 1;
                c.mine |= mine;
            }
            None => list.push(ReactionCount {
                emoji: r.emoji,
                count: 1,
                mine,
            }),
        }
    }
    Ok(out)
}

pub async fn get_message(
    db: &DatabaseConnection,
    actor: Option<&Principal>,
    id: i64,
) -> R<Message> {
    let m = message_model(db, id).await?;
    let (_, f) = readable(db, m.channel_id, actor).await?;
    let full = actor.is_some_and(|p| policy::can_moderate(p, &f));
    Ok(Message::from_model(m, full))
}

/// Edits a message (its author, or a moderator); the previous text goes to the history.
pub async fn edit_message(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    body: String,
    title: Option<String>,
) -> R<Message> {
    validate_body(&body)?;
    let m = message_model(db, id).await?;
    let (_, f) = facts(db, m.channel_id, Some(actor)).await?;
    let own = m.author_id == actor.user_id;
    let may =
        policy::can_moderate(actor, &f) || (own && policy::can_post(actor, &f, Utc::now()).is_ok());
    if !may {
        return Err(CommunityError::forbidden(
            "only the author or a moderator edits a message",
        ));
    }
    if m.state == "deleted" {
        return Err(CommunityError::Conflict("the message was deleted".into()));
    }
    let txn = db.begin().await?;
    edit::ActiveModel {
        message_id: Set(m.id),
        editor_id: Set(actor.user_id),
        body: Set(m.body.clone()),
        edited_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut am = m.into_active_model();
    am.body_html = Set(markdown::render(&body));
    am.body = Set(body);
    if let Some(t) = title {
        am.title = Set(Some(t.trim().chars().take(300).collect()));
    }
    am.edited_at = Set(Some(Utc::now()));
    let m = am.update(&txn).await?;
    txn.commit().await?;
    Ok(Message::from_model(m, true))
}

pub async fn edit_history(
    db: &DatabaseConnection,
    actor: Option<&Principal>,
    id: i64,
) -> R<Vec<MessageEdit>> {
    let m = message_model(db, id).await?;
    let (_, f) = readable(db, m.channel_id, actor).await?;
    let full = actor.is_some_and(|p| policy::can_moderate(p, &f) || p.user_id == m.author_id);
    if m.state != "visible" && !full {
        return Ok(Vec::new());
    }
    let rows = edit::Entity::find()
        .filter(edit::Column::MessageId.eq(id))
        .order_by_asc(edit::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| MessageEdit {
            editor_id: e.editor_id,
            body: e.body,
            edited_at: e.edited_at,
        })
        .collect())
}

/// Moderation actions on one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModAction {
    Pin(bool),
    Hide(bool),
    Lock(bool),
    Delete,
}

impl ModAction {
    pub fn name(self) -> &'static str {
        match self {
            ModAction::Pin(true) => "message.pin",
            ModAction::Pin(false) => "message.unpin",
            ModAction::Hide(true) => "message.hide",
            ModAction::Hide(false) => "message.unhide",
            ModAction::Lock(true) => "message.lock",
            ModAction::Lock(false) => "message.unlock",
            ModAction::Delete => "message.delete",
        }
    }
}

/// Applies a moderation action; the author may delete their own message.
pub async fn moderate_message(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    action: ModAction,
) -> R<Message> {
    let m = message_model(db, id).await?;
    let (_, f) = facts(db, m.channel_id, Some(actor)).await?;
    let allowed = policy::can_moderate(actor, &f)
        || (action == ModAction::Delete && m.author_id == actor.user_id);
    if !allowed {
        return Err(CommunityError::forbidden("only moderators do this"));
    }
    let mut am = m.into_active_model();
    match action {
        ModAction::Pin(p) => am.pinned = Set(p),
        ModAction::Hide(h) => am.state = Set(if h { "hidden" } else { "visible" }.into()),
        ModAction::Lock(l) => am.locked = Set(l),
        ModAction::Delete => {
            am.state = Set("deleted".into());
            am.pinned = Set(false);
        }
    }
    let m = am.update(db).await?;
    Ok(Message::from_model(m, false))
}

/// What a reaction call did.
pub struct Reacted {
    pub channel_id: i64,
    /// False when the reaction was already there (or already gone).
    pub changed: bool,
    /// The message's reactions now, `mine` from the caller's view.
    pub counts: Vec<ReactionCount>,
}

/// Adds (`on`) or removes the caller's reaction; idempotent.
pub async fn react(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    emoji: &str,
    on: bool,
) -> R<Reacted> {
    let emoji = emoji.trim();
    if !super::emoji::is_emoji(emoji) {
        return Err(CommunityError::invalid(
            "emoji",
            "must be one emoji (at most 32 bytes)",
        ));
    }
    let m = message_model(db, id).await?;
    let (_, f) = facts(db, m.channel_id, Some(actor)).await?;
    if policy::can_post(actor, &f, Utc::now()).is_err() {
        return Err(CommunityError::forbidden("join the channel to react"));
    }
    let exists = reaction::Entity::find_by_id((id, actor.user_id, emoji.to_owned()))
        .one(db)
        .await?
        .is_some();
    if on && !exists {
        reaction::ActiveModel {
            message_id: Set(id),
            user_id: Set(actor.user_id),
            emoji: Set(emoji.to_owned()),
            created_at: Set(Utc::now()),
        }
        .insert(db)
        .await?;
    } else if !on && exists {
        reaction::Entity::delete_by_id((id, actor.user_id, emoji.to_owned()))
            .exec(db)
            .await?;
    }
    let counts = reactions_of(db, &[id], Some(actor.user_id))
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Reacted {
        channel_id: m.channel_id,
        changed: on != exists,
        counts,
    })
}

// ---- read marks ----------------------------------------------------------------------

/// Moves the caller's read mark forward (never back).
pub async fn mark_read(
    db: &impl ConnectionTrait,
    actor: &Principal,
    channel_id: i64,
    message_id: i64,
) -> R<()> {
    let res = member::Entity::update_many()
        .col_expr(member::Column::LastReadId, Expr::value(message_id))
        .filter(member::Column::ChannelId.eq(channel_id))
        .filter(member::Column::UserId.eq(actor.user_id))
        .filter(member::Column::LastReadId.lt(message_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 && membership(db, channel_id, actor.user_id).await?.is_none() {
        return Err(CommunityError::forbidden("join the channel first"));
    }
    Ok(())
}

/// Unread messages (by others, not deleted) per channel the caller belongs to.
pub async fn unread_counts(db: &DatabaseConnection, actor: &Principal) -> R<Vec<Unread>> {
    let mine = member::Entity::find()
        .filter(member::Column::UserId.eq(actor.user_id))
        .filter(member::Column::Banned.eq(false))
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(mine.len());
    for m in mine {
        let n = message::Entity::find()
            .filter(message::Column::ChannelId.eq(m.channel_id))
            .filter(message::Column::Id.gt(m.last_read_id))
            .filter(message::Column::AuthorId.ne(actor.user_id))
            .filter(message::Column::State.ne("deleted"))
            .count(db)
            .await?;
        out.push(Unread {
            channel_id: m.channel_id,
            unread: n,
            last_read_id: m.last_read_id,
        });
    }
    Ok(out)
}

pub async fn notifications(db: &DatabaseConnection, actor: &Principal) -> R<Vec<Notification>> {
    let rows = notification::Entity::find()
        .filter(notification::Column::UserId.eq(actor.user_id))
        .order_by_desc(notification::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|n| Notification {
            id: n.id,
            kind: n.kind,
            channel_id: n.channel_id,
            message_id: n.message_id,
            created_at: n.created_at,
            read_at: n.read_at,
        })
        .collect())
}

// ---- Q&A -----------------------------------------------------------------------------

/// Marks `answer_id` the accepted answer of its question (the asker or a moderator).
pub async fn accept_answer(
    db: &DatabaseConnection,
    actor: &Principal,
    question_id: i64,
    answer_id: Option<i64>,
) -> R<Message> {
    let q = message_model(db, question_id).await?;
    if q.kind != "question" {
        return Err(CommunityError::invalid("question", "not a question"));
    }
    let (_, f) = facts(db, q.channel_id, Some(actor)).await?;
    if q.author_id != actor.user_id && !policy::can_moderate(actor, &f) {
        return Err(CommunityError::forbidden(
            "only the asker or a moderator accepts an answer",
        ));
    }
    if let Some(a) = answer_id {
        let ans = message_model(db, a).await?;
        if ans.reply_to != Some(question_id) || ans.state == "deleted" {
            return Err(CommunityError::invalid(
                "answer_id",
                "not an answer to this question",
            ));
        }
    }
    let mut am = q.into_active_model();
    am.accepted_answer_id = Set(answer_id);
    Ok(Message::from_model(am.update(db).await?, false))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    Open,
    Answered,
}

pub async fn questions(
    db: &DatabaseConnection,
    actor: Option<&Principal>,
    channel_id: i64,
    status: Option<QuestionStatus>,
    limit: u64,
) -> R<Vec<Question>> {
    readable(db, channel_id, actor).await?;
    let mut q = message::Entity::find()
        .filter(message::Column::ChannelId.eq(channel_id))
        .filter(message::Column::Kind.eq("question"))
        .filter(message::Column::State.eq("visible"));
    match status {
        Some(QuestionStatus::Open) => q = q.filter(message::Column::AcceptedAnswerId.is_null()),
        Some(QuestionStatus::Answered) => {
            q = q.filter(message::Column::AcceptedAnswerId.is_not_null())
        }
        None => {}
    }
    let rows = q
        .order_by_desc(message::Column::Id)
        .limit(limit.clamp(1, MAX_PAGE))
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let answers = message::Entity::find()
            .filter(message::Column::ReplyTo.eq(m.id))
            .filter(message::Column::State.eq("visible"))
            .count(db)
            .await?;
        let answered = m.accepted_answer_id.is_some();
        out.push(Question {
            message: Message::from_model(m, false),
            answers,
            answered,
        });
    }
    Ok(out)
}

/// Answered questions of the channel (newest first, at most `cap`) as candidates for
/// "similar questions".
pub async fn answered_questions(
    db: &DatabaseConnection,
    channel_id: i64,
    cap: u64,
) -> R<Vec<Message>> {
    let rows = message::Entity::find()
        .filter(message::Column::ChannelId.eq(channel_id))
        .filter(message::Column::Kind.eq("question"))
        .filter(message::Column::State.eq("visible"))
        .filter(message::Column::AcceptedAnswerId.is_not_null())
        .order_by_desc(message::Column::Id)
        .limit(cap)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| Message::from_model(m, false))
        .collect())
}

// ---- reports -------------------------------------------------------------------------

pub async fn report_message(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    reason: String,
) -> R<Report> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(CommunityError::invalid("reason", "1 to 2000 characters"));
    }
    let m = message_model(db, id).await?;
    readable(db, m.channel_id, Some(actor)).await?;
    let r = report::ActiveModel {
        message_id: Set(id),
        channel_id: Set(m.channel_id),
        reporter_id: Set(actor.user_id),
        reason: Set(reason),
        status: Set("open".into()),
        resolved_by: Set(None),
        created_at: Set(Utc::now()),
        resolved_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(report_view(r))
}

fn report_view(r: report::Model) -> Report {
    Report {
        id: r.id,
        message_id: r.message_id,
        channel_id: r.channel_id,
        reporter_id: r.reporter_id,
        reason: r.reason,
        status: r.status,
        resolved_by: r.resolved_by,
        created_at: r.created_at,
    }
}

/// The report queue of a channel (moderators), or of every channel (community managers
/// and operators, `channel_id = None`).
pub async fn reports(
    db: &DatabaseConnection,
    actor: &Principal,
    channel_id: Option<i64>,
    status: Option<String>,
) -> R<Vec<Report>> {
    let mut q = report::Entity::find();
    match channel_id {
        Some(c) => {
            let (_, f) = facts(db, c, Some(actor)).await?;
            if !policy::can_moderate(actor, &f) {
                return Err(CommunityError::forbidden("only moderators see reports"));
            }
            q = q.filter(report::Column::ChannelId.eq(c));
        }
        None => {
            if !policy::can_moderate_everywhere(actor) {
                return Err(CommunityError::forbidden(
                    "only community managers see every report",
                ));
            }
        }
    }
    q = q.filter(report::Column::Status.eq(status.unwrap_or_else(|| "open".into())));
    let rows = q
        .order_by_asc(report::Column::Id)
        .limit(MAX_PAGE)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(report_view).collect())
}

/// Closes a report: `dismiss` keeps the message, `hide` and `delete` act on it.
pub async fn resolve_report(
    db: &DatabaseConnection,
    actor: &Principal,
    id: i64,
    action: &str,
) -> R<(Report, Option<Message>)> {
    let r = report::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(CommunityError::NotFound { kind: "report", id })?;
    let (_, f) = facts(db, r.channel_id, Some(actor)).await?;
    if !policy::can_moderate(actor, &f) {
        return Err(CommunityError::forbidden("only moderators resolve reports"));
    }
    let msg = match action {
        "dismiss" => None,
        "hide" => Some(moderate_message(db, actor, r.message_id, ModAction::Hide(true)).await?),
        "delete" => Some(moderate_message(db, actor, r.message_id, ModAction::Delete).await?),
        _ => {
            return Err(CommunityError::invalid(
                "action",
                "one of: dismiss, hide, delete",
            ))
        }
    };
    let mut am = r.into_active_model();
    am.status = Set(if action == "dismiss" {
        "dismissed"
    } else {
        "resolved"
    }
    .into());
    am.resolved_by = Set(Some(actor.user_id));
    am.resolved_at = Set(Some(Utc::now()));
    Ok((report_view(am.update(db).await?), msg))
}

// ---- direct channels -----------------------------------------------------------------

/// Opens (or finds) the direct channel between the caller and a solution's provider (or an
/// organisation): members are the caller and the organisation's accounts, all plain members.
pub async fn open_direct(
    db: &DatabaseConnection,
    actor: &Principal,
    solution_id: Option<i64>,
    organisation_id: Option<i64>,
) -> R<(Channel, bool)> {
    let (org_id, sol_id, name) = match (solution_id, organisation_id) {
        (Some(s), None) => {
            let (provider, title) = solution_provider(db, s).await?;
            (provider, Some(s), format!("Direkt: {title}"))
        }
        (None, Some(o)) => {
            let name = organisation_name(db, o).await?;
            (Some(o), None, format!("Direkt: {name}"))
        }
        _ => {
            return Err(CommunityError::invalid(
                "solution_id",
                "give exactly one of solution_id or organisation_id",
            ))
        }
    };
    let Some(org_id) = org_id else {
        return Err(CommunityError::invalid(
            "solution_id",
            "the solution has no provider to talk to",
        ));
    };
    let key = match sol_id {
        Some(s) => format!("u{}:s{s}", actor.user_id),
        None => format!("u{}:o{org_id}", actor.user_id),
    };
    if let Some(ch) = channel::Entity::find()
        .filter(channel::Column::DirectKey.eq(key.clone()))
        .one(db)
        .await?
    {
        let role = membership(db, ch.id, actor.user_id)
            .await?
            .and_then(|m| MemberRole::parse(&m.role));
        return Ok((Channel::from_model(ch, role), false));
    }
    // At most 50 accounts of the organisation join the direct channel.
    let peers: Vec<i64> = crate::auth::store::organisation_accounts(db, &[org_id])
        .await?
        .into_iter()
        .map(|(_, user)| user)
        .take(50)
        .collect();
    let now = Utc::now();
    let txn = db.begin().await?;
    let ch = channel::ActiveModel {
        kind: Set("direct".into()),
        visibility: Set("members".into()),
        name: Set(name.chars().take(200).collect()),
        description: Set(String::new()),
        organisation_id: Set(Some(org_id)),
        solution_id: Set(sol_id),
        direct_key: Set(Some(key)),
        created_by: Set(actor.user_id),
        locked: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // Two sides and no owners: nobody moderates, adds or removes in a direct channel.
    add_member(&txn, ch.id, actor.user_id, MemberRole::Member).await?;
    for uid in peers.into_iter().filter(|u| *u != actor.user_id) {
        add_member(&txn, ch.id, uid, MemberRole::Member).await?;
    }
    txn.commit().await?;
    Ok((Channel::from_model(ch, Some(MemberRole::Member)), true))
}

async fn solution_provider(db: &DatabaseConnection, id: i64) -> R<(Option<i64>, String)> {
    use crate::catalog::entity::solution;
    let s = solution::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| {
            CommunityError::invalid("solution_id", format!("solution {id} does not exist"))
        })?;
    Ok((s.provider_id, s.title))
}

async fn organisation_name(db: &DatabaseConnection, id: i64) -> R<String> {
    use crate::catalog::entity::organisation;
    let o = organisation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| {
            CommunityError::invalid(
                "organisation_id",
                format!("organisation {id} does not exist"),
            )
        })?;
    Ok(o.name)
}

fn contains_ci(col: impl ColumnTrait, value: &str) -> sea_orm::sea_query::SimpleExpr {
    let needle = value
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(col)))
        .like(LikeExpr::new(format!("%{needle}%")).escape('\\'))
}
