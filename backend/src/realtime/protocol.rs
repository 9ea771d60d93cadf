//! Protocol v1: JSON text frames `{"type": ...}` (see README, "Real-time protocol").

use serde::{Deserialize, Serialize};

use crate::community::model::Message;
use crate::matching::notify::NeedNotification;

/// Client → server.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    Subscribe {
        channel_id: i64,
        /// Last message id the client has; the gap after it is replayed.
        since: Option<i64>,
    },
    Unsubscribe {
        channel_id: i64,
    },
    Send {
        channel_id: i64,
        client_msg_id: String,
        body: String,
        reply_to: Option<i64>,
        title: Option<String>,
    },
    Typing {
        channel_id: i64,
    },
    Read {
        channel_id: i64,
        message_id: i64,
    },
    Ping {
        #[serde(default)]
        nonce: Option<serde_json::Value>,
    },
}

impl ClientFrame {
    /// The channel and `client_msg_id` a frame is about, for its `error` answers.
    pub fn target(&self) -> (Option<i64>, Option<&str>) {
        match self {
            ClientFrame::Subscribe { channel_id, .. }
            | ClientFrame::Unsubscribe { channel_id }
            | ClientFrame::Typing { channel_id }
            | ClientFrame::Read { channel_id, .. } => (Some(*channel_id), None),
            ClientFrame::Send {
                channel_id,
                client_msg_id,
                ..
            } => (Some(*channel_id), Some(client_msg_id)),
            ClientFrame::Ping { .. } => (None, None),
        }
    }
}

pub const CLIENT_TYPES: &[&str] = &["subscribe", "unsubscribe", "send", "typing", "read", "ping"];

/// Server → client.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    Message(&'a Message),
    Ack {
        client_msg_id: &'a str,
        message_id: i64,
        channel_id: i64,
        /// True when this `client_msg_id` was already stored (a retried send).
        duplicate: bool,
    },
    /// Ends the replay of a `subscribe`; live messages follow. `more`: the replay hit the
    /// limit; subscribe again with `since = last_id` for the rest.
    ReplayDone {
        channel_id: i64,
        last_id: i64,
        replayed: usize,
        more: bool,
    },
    Presence {
        channel_id: i64,
        user_id: i64,
        online: bool,
    },
    Typing {
        channel_id: i64,
        user_id: i64,
    },
    /// A user added (or took back) a reaction to a message.
    Reaction {
        channel_id: i64,
        message_id: i64,
        user_id: i64,
        emoji: &'a str,
        added: bool,
    },
    Error {
        code: &'a str,
        detail: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        channel_id: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<&'a str>,
    },
    Pong {
        #[serde(skip_serializing_if = "Option::is_none")]
        nonce: Option<&'a serde_json::Value>,
    },
    /// A personal notification, on every socket of the user, subscribed or not.
    Notification(&'a Notice<'a>),
    /// Sent once after the upgrade.
    Hello {
        protocol: u32,
        user_id: Option<i64>,
        max_frame_bytes: usize,
        rate_per_sec: u32,
    },
}

/// What a signed-in user is told as it happens (the inboxes keep it too).
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice<'a> {
    /// `@user:<id>` in a message of a channel the user is a member of.
    Mention {
        channel_id: i64,
        message_id: i64,
        author_id: i64,
    },
    /// A posted need concerns the user's organisation: it provides or uses a matching
    /// solution, or posted a similar need (`GET /api/v1/organisations/{id}/notifications`).
    Need(&'a NeedNotification),
}

impl ServerFrame<'_> {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("frames serialise")
    }
}

pub fn error_text(
    code: &str,
    detail: &str,
    channel_id: Option<i64>,
    client_msg_id: Option<&str>,
) -> String {
    ServerFrame::Error {
        code,
        detail,
        channel_id,
        client_msg_id,
    }
    .to_text()
}

/// Error codes of `error` frames.
pub mod code {
    pub const MALFORMED: &str = "malformed";
    pub const UNKNOWN_TYPE: &str = "unknown_type";
    pub const TOO_LARGE: &str = "too_large";
    pub const UNSUPPORTED: &str = "unsupported";
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const FORBIDDEN: &str = "forbidden";
    pub const NOT_FOUND: &str = "not_found";
    pub const INVALID: &str = "invalid";
    pub const CONFLICT: &str = "conflict";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const NOT_SUBSCRIBED: &str = "not_subscribed";
    pub const REMOVED: &str = "removed";
    pub const INTERNAL: &str = "internal";
}

/// Classifies a frame that did not parse: not JSON, an unknown `type`, or a known type
/// with missing or wrong fields.
pub fn classify_parse_error(text: &str, err: &serde_json::Error) -> (&'static str, String) {
    match serde_json::from_str::<serde_json::Value>(text) {
        Err(e) => (code::MALFORMED, format!("not JSON: {e}")),
        Ok(v) => match v.get("type").and_then(|t| t.as_str()) {
            None => (
                code::MALFORMED,
                "a frame is an object with a string `type`".into(),
            ),
            Some(t) if !CLIENT_TYPES.contains(&t) => (
                code::UNKNOWN_TYPE,
                format!(
                    "unknown type '{}', expected one of: {}",
                    t.chars().take(40).collect::<String>(),
                    CLIENT_TYPES.join(", ")
                ),
            ),
            Some(t) => (code::MALFORMED, format!("{t}: {err}")),
        },
    }
}
