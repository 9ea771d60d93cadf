//! Messages: posting (idempotent by client id), history, editing and moderating.

use super::*;

/// The outcome of a send: the stored message and whether this call created it (false for
/// a retried `client_msg_id`).
#[derive(Debug)]
pub struct Posted {
    pub message: Message,
    pub created: bool,
    /// Users mentioned and notified.
    pub mentioned: Vec<i64>,
}

pub(super) fn validate_body(body: &str) -> R<()> {
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

impl Posted {
    /// The answer to a retried send: what was stored the first time.
    fn retried(m: message::Model) -> R<Posted> {
        Ok(Posted {
            message: Message::from_model(m, false)?,
            created: false,
            mentioned: Vec::new(),
        })
    }
}

/// Stores a message (persist first: the caller publishes the result afterwards).
pub async fn post_message(
    db: &DatabaseConnection,
    actor: &Principal,
    channel_id: i64,
    input: MessageInput,
) -> R<Posted> {
    if let Some(c) = &input.client_msg_id {
        if let Some(first) = retry_of(db, channel_id, actor, c).await? {
            return Ok(first);
        }
    }
    validate_body(&input.body)?;
    let (_, f) = facts(db, channel_id, Some(actor)).await?;
    policy::post(actor, &f, Utc::now())?;
    let kind = kind_of_new(db, actor, &f, input.reply_to).await?;
    let title = validate_title(input.title.as_deref())?;
    insert_message(db, actor, channel_id, kind, title, input).await
}

/// Checks a `client_msg_id`; a retry of a stored send answers with what was stored.
async fn retry_of(
    db: &DatabaseConnection,
    channel_id: i64,
    actor: &Principal,
    client_msg_id: &str,
) -> R<Option<Posted>> {
    if client_msg_id.is_empty() || client_msg_id.len() > MAX_CLIENT_MSG_ID {
        return Err(CommunityError::invalid(
            "client_msg_id",
            format!("1 to {MAX_CLIENT_MSG_ID} bytes"),
        ));
    }
    match find_by_client_id(db, channel_id, actor.user_id, client_msg_id).await? {
        Some(m) => Posted::retried(m).map(Some),
        None => Ok(None),
    }
}

/// A new message's kind: an answer to a question in Q&A, else a message; a new thread is a
/// question in Q&A, a topic in a forum. The message replied to must be in the channel,
/// not deleted, and not in a locked topic (unless a moderator replies).
async fn kind_of_new(
    db: &DatabaseConnection,
    actor: &Principal,
    f: &ChannelFacts,
    reply_to: Option<i64>,
) -> R<MessageKind> {
    let Some(parent_id) = reply_to else {
        return Ok(match f.kind {
            ChannelKind::Qa => MessageKind::Question,
            ChannelKind::Forum => MessageKind::Topic,
            _ => MessageKind::Message,
        });
    };
    let parent = message::Entity::find_by_id(parent_id)
        .one(db)
        .await?
        .filter(|p| p.channel_id == f.channel_id)
        .ok_or_else(|| CommunityError::invalid("reply_to", "no such message in this channel"))?;
    policy::reply_to(actor, f, parent.locked)?;
    if parent.state == "deleted" {
        return Err(CommunityError::invalid(
            "reply_to",
            "the message was deleted",
        ));
    }
    Ok(if f.kind == ChannelKind::Qa && parent.kind == "question" {
        MessageKind::Answer
    } else {
        MessageKind::Message
    })
}

/// An optional title of at most 300 characters; a blank one is none.
fn validate_title(title: Option<&str>) -> R<Option<String>> {
    match title.map(str::trim) {
        Some("") | None => Ok(None),
        Some(t) if t.chars().count() > 300 => {
            Err(CommunityError::invalid("title", "at most 300 characters"))
        }
        Some(t) => Ok(Some(t.to_owned())),
    }
}

/// Inserts the checked message with the channel's next `seq` and notifies the mentioned.
async fn insert_message(
    db: &DatabaseConnection,
    actor: &Principal,
    channel_id: i64,
    kind: MessageKind,
    title: Option<String>,
    input: MessageInput,
) -> R<Posted> {
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
                    return Posted::retried(m);
                }
            }
            return Err(e.into());
        }
    };
    let mentioned = notify_mentions(&txn, &stored).await?;
    txn.commit().await?;
    Ok(Posted {
        message: Message::from_model(stored, false)?,
        created: true,
        mentioned,
    })
}

/// Takes the channel's next message `seq`. The `UPDATE` is the transaction's first write,
/// so it locks the channel row on PostgreSQL and takes the write lock on SQLite (no
/// read-then-upgrade deadlock) until commit.
pub(super) async fn next_seq(txn: &DatabaseTransaction, channel_id: i64) -> R<i64> {
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

pub(super) async fn find_by_client_id(
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
pub(super) async fn notify_mentions(db: &impl ConnectionTrait, m: &message::Model) -> R<Vec<i64>> {
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

pub(super) async fn message_model(db: &impl ConnectionTrait, id: i64) -> R<message::Model> {
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
    rows.into_iter()
        .map(|m| Message::from_model(m, false))
        .collect()
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

/// Which messages of a channel's history (also the query of `GET /channels/{id}/messages`).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Cursor: messages older than this id (use `next_before` of the previous page).
    pub before: Option<i64>,
    /// Messages newer than this id.
    pub after: Option<i64>,
    pub limit: Option<u64>,
    /// Only this message and its replies.
    pub thread: Option<i64>,
    /// Search: substring of the text or title.
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
            Ok(MessageWithReactions {
                message: Message::from_model(m, full)?,
                reactions: r,
            })
        })
        .collect::<R<_>>()?;
    Ok(HistoryPage { items, next_before })
}

pub(super) async fn reactions_of(
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
    Message::from_model(m, full)
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
    policy::edit_message(actor, &f, m.author_id == actor.user_id, Utc::now())?;
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
    Message::from_model(m, true)
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

impl From<Moderation> for ModAction {
    fn from(m: Moderation) -> Self {
        match m {
            Moderation::Pin => ModAction::Pin(true),
            Moderation::Unpin => ModAction::Pin(false),
            Moderation::Hide => ModAction::Hide(true),
            Moderation::Unhide => ModAction::Hide(false),
            Moderation::Lock => ModAction::Lock(true),
            Moderation::Unlock => ModAction::Lock(false),
            Moderation::Delete => ModAction::Delete,
        }
    }
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
    let deletes_own = action == ModAction::Delete && m.author_id == actor.user_id;
    policy::moderate_message(actor, &f, deletes_own)?;
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
    Message::from_model(m, false)
}
