//! What the community API reads and writes.

use chrono::{DateTime, Utc};
use matchraum_core::{vocab::Stored, Error};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::entity::{channel, message};

matchraum_core::string_enum!(
    /// qa: questions to the provider of one solution; forum: exchange forum with topics,
    /// hosted by community managers; community: development community of several
    /// organisations; direct: two people, opened from a match.
    ChannelKind {
        Qa => "qa",
        Forum => "forum",
        Community => "community",
        Direct => "direct",
    }
);

matchraum_core::string_enum!(
    /// public: anyone reads, signed-in users join; members: invitation only;
    /// organisation: members of the channel's organisation may read and join.
    ChannelVisibility {
        Public => "public",
        Members => "members",
        Organisation => "organisation",
    }
);

matchraum_core::string_enum!(
    /// Ordered by rights: a higher role may do what a lower one may.
    #[derive(PartialOrd, Ord)]
    MemberRole {
        Member => "member",
        Moderator => "moderator",
        Owner => "owner",
    }
);

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Channel {
    pub id: i64,
    pub kind: ChannelKind,
    pub visibility: ChannelVisibility,
    pub name: String,
    pub description: String,
    pub organisation_id: Option<i64>,
    pub solution_id: Option<i64>,
    pub created_by: i64,
    pub locked: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The caller's role, when the caller is a member.
    pub my_role: Option<MemberRole>,
}

impl Channel {
    pub fn from_model(m: channel::Model, my_role: Option<MemberRole>) -> Result<Self, Error> {
        Ok(Channel {
            id: m.id,
            kind: ChannelKind::from_stored(&m.kind)?,
            visibility: ChannelVisibility::from_stored(&m.visibility)?,
            name: m.name,
            description: m.description,
            organisation_id: m.organisation_id,
            solution_id: m.solution_id,
            created_by: m.created_by,
            locked: m.locked,
            created_at: m.created_at,
            updated_at: m.updated_at,
            my_role,
        })
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelInput {
    pub kind: ChannelKind,
    pub visibility: ChannelVisibility,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub organisation_id: Option<i64>,
    pub solution_id: Option<i64>,
    /// Users invited at creation (each becomes a member by accepting).
    #[serde(default)]
    pub members: Vec<i64>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<ChannelVisibility>,
    pub locked: Option<bool>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Member {
    pub user_id: i64,
    pub role: MemberRole,
    pub muted_until: Option<DateTime<Utc>>,
    pub banned: bool,
    pub joined_at: DateTime<Utc>,
}

/// How a person appears to others: never their e-mail address.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    /// The chosen display name, or a neutral `Person <id>` for accounts without one.
    pub display_name: String,
    /// The first organisation the person belongs to (in a channel: its own, if they do).
    pub organisation: Option<String>,
    /// The account was deleted; its name is gone.
    pub deleted: bool,
}

/// A pending invitation into a channel; the invitee becomes a member by accepting it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChannelInvitation {
    pub id: i64,
    pub channel_id: i64,
    pub channel_name: String,
    pub user_id: i64,
    /// The role the invitee gets on accepting.
    pub role: MemberRole,
    pub invited_by: i64,
    /// Who invited, as others see them (name and organisation, never the address).
    pub inviter: Person,
    pub created_at: DateTime<Utc>,
}

matchraum_core::string_enum!(
    /// message (chat), question and answer (Q&A), topic (forum thread opener).
    MessageKind {
        Message => "message",
        Question => "question",
        Answer => "answer",
        Topic => "topic",
    }
);

matchraum_core::string_enum!(
    MessageState {
        Visible => "visible",
        Hidden => "hidden",
        Deleted => "deleted",
    }
);

matchraum_core::string_enum!(
    /// What a moderator does to one message (its author may also delete it).
    Moderation {
        Pin => "pin",
        Unpin => "unpin",
        Hide => "hide",
        Unhide => "unhide",
        /// Locks a forum topic: no more replies.
        Lock => "lock",
        Unlock => "unlock",
        Delete => "delete",
    }
);

impl MessageState {
    /// Whether a message in this state is shown without its text (`full`: to a moderator).
    fn redacted(self, full: bool) -> bool {
        match self {
            MessageState::Visible => false,
            MessageState::Hidden => !full,
            MessageState::Deleted => true,
        }
    }
}

/// A message as clients see it (hidden and deleted ones without their text).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: i64,
    pub channel_id: i64,
    /// 1, 2, 3, ... within the channel, without gaps.
    pub seq: i64,
    pub author_id: i64,
    pub kind: MessageKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub body: String,
    pub body_html: String,
    pub reply_to: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_answer_id: Option<i64>,
    pub state: MessageState,
    pub pinned: bool,
    pub locked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

impl Message {
    /// `full`: moderators see hidden bodies.
    pub fn from_model(m: message::Model, full: bool) -> Result<Self, Error> {
        let state = MessageState::from_stored(&m.state)?;
        let redact = state.redacted(full);
        Ok(Message {
            id: m.id,
            channel_id: m.channel_id,
            seq: m.seq,
            author_id: m.author_id,
            kind: MessageKind::from_stored(&m.kind)?,
            title: if redact { None } else { m.title },
            body: if redact { String::new() } else { m.body },
            body_html: if redact { String::new() } else { m.body_html },
            reply_to: m.reply_to,
            accepted_answer_id: m.accepted_answer_id,
            state,
            pinned: m.pinned,
            locked: m.locked,
            client_msg_id: m.client_msg_id,
            created_at: m.created_at,
            edited_at: m.edited_at,
        })
    }

    /// The message as everyone sees it: a hidden one without its text, as in history
    /// and replay (for frames that go to every subscriber).
    pub fn redacted(mut self) -> Self {
        if self.state.redacted(false) {
            self.title = None;
            self.body.clear();
            self.body_html.clear();
        }
        self
    }
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageInput {
    /// Makes a retried send idempotent (unique per channel and author).
    pub client_msg_id: Option<String>,
    pub body: String,
    pub reply_to: Option<i64>,
    /// Forum topics and Q&A questions may carry a title.
    pub title: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MessageEdit {
    pub editor_id: i64,
    /// The text before this edit.
    pub body: String,
    pub edited_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: u64,
    pub mine: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MessageWithReactions {
    #[serde(flatten)]
    pub message: Message,
    pub reactions: Vec<ReactionCount>,
}

/// One page of history, newest first; `next_before` continues further back.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    pub items: Vec<MessageWithReactions>,
    pub next_before: Option<i64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Unread {
    pub channel_id: i64,
    pub unread: u64,
    pub last_read_id: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Question {
    #[serde(flatten)]
    pub message: Message,
    pub answers: u64,
    pub answered: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SimilarQuestion {
    pub question: Message,
    pub score: f32,
}

matchraum_core::string_enum!(
    /// How a moderator closes a report: dismiss keeps the message, hide hides it, delete
    /// deletes it.
    ResolveAction {
        Dismiss => "dismiss",
        Hide => "hide",
        Delete => "delete",
    }
);

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    pub message_id: i64,
    pub channel_id: i64,
    pub reporter_id: i64,
    pub reason: String,
    pub status: String,
    pub resolved_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub channel_id: i64,
    pub message_id: i64,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}
