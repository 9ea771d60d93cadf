//! Protocol v1: JSON text frames `{"type": ...}` (see README, "Real-time protocol").

use serde::{Deserialize, Serialize};

use matchraum_accounts::notices::OrganisationNotice;
use matchraum_community::model::Message;
use matchraum_matching::notify::NeedNotification;

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
    /// Who is online in the channel on every instance (at most 200, ascending), sent on
    /// `subscribe` before `replay_done`; `presence` frames keep it current.
    PresenceSnapshot {
        channel_id: i64,
        user_ids: &'a [i64],
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
    /// Something that concerns one of the user's organisations: interest expressed in its
    /// solution, a threshold reached, a bundling proposed
    /// (`GET /api/v1/organisations/{id}/notices`).
    Organisation(&'a OrganisationNotice),
    /// An invitation into a channel (`GET /api/v1/me/channel-invitations`).
    ChannelInvitation {
        invitation_id: i64,
        channel_id: i64,
        invited_by: i64,
    },
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

/// Decodes one client text frame: a frame, or the error code and detail to answer with.
pub fn decode(text: &str) -> Result<ClientFrame, (&'static str, String)> {
    serde_json::from_str(text).map_err(|e| classify_parse_error(text, &e))
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

#[cfg(test)]
mod fuzz {
    //! Bounded fuzzing of the frame decoder (runs in `make test`): no input panics, and
    //! every input is a frame or a typed error.

    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, RngSeed};
    use serde_json::{json, Value};

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            any::<u64>().prop_map(Value::from),
            ".{0,20}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::btree_map(field(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Field names the decoder knows, and others.
    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "type",
                "channel_id",
                "since",
                "client_msg_id",
                "body",
                "reply_to",
                "title",
                "message_id",
                "nonce",
            ])
            .prop_map(str::to_owned),
            ".{0,12}",
        ]
    }

    /// Objects with a known (or unknown) `type` and plausible fields: most inputs get
    /// past the first checks.
    fn frame_like() -> impl Strategy<Value = String> {
        let ty = prop_oneof![
            prop::sample::select(CLIENT_TYPES.to_vec()).prop_map(str::to_owned),
            ".{0,10}",
        ];
        (ty, prop::collection::btree_map(field(), any_json(), 0..6)).prop_map(|(ty, mut fields)| {
            fields.insert("type".into(), Value::from(ty));
            Value::Object(fields.into_iter().collect()).to_string()
        })
    }

    /// A frame-like text cut short or with a byte changed.
    fn mangled() -> impl Strategy<Value = String> {
        (frame_like(), any::<prop::sample::Index>(), any::<char>()).prop_map(|(s, at, c)| {
            let mut cut = at.index(s.len() + 1);
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut out = s[..cut].to_owned();
            out.push(c);
            out.push_str(&s[cut..]);
            out
        })
    }

    fn config() -> Config {
        Config {
            cases: 2000,
            rng_algorithm: RngAlgorithm::ChaCha,
            rng_seed: RngSeed::Fixed(0x6d61_7463_6872_6175),
            failure_persistence: None,
            ..Config::default()
        }
    }

    fn check(text: &str) {
        match decode(text) {
            Ok(frame) => {
                // A decoded frame names its target consistently.
                let (channel_id, msg) = frame.target();
                assert_eq!(
                    channel_id.is_none(),
                    matches!(frame, ClientFrame::Ping { .. })
                );
                assert_eq!(msg.is_some(), matches!(frame, ClientFrame::Send { .. }));
            }
            Err((code, detail)) => {
                assert!(
                    code == code::MALFORMED || code == code::UNKNOWN_TYPE,
                    "{code} for {text:?}"
                );
                assert!(!detail.is_empty());
                // The answer itself is a valid server frame.
                let answer: Value =
                    serde_json::from_str(&error_text(code, &detail, None, None)).unwrap();
                assert_eq!(answer["type"], "error");
            }
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn any_text_is_a_frame_or_a_typed_error(text in ".{0,200}") {
            check(&text);
        }

        #[test]
        fn frame_like_objects_are_frames_or_typed_errors(text in frame_like()) {
            check(&text);
        }

        #[test]
        fn mangled_frames_are_frames_or_typed_errors(text in mangled()) {
            check(&text);
        }
    }

    #[test]
    fn valid_frames_decode() {
        for text in [
            r#"{"type":"subscribe","channel_id":1,"since":5}"#,
            r#"{"type":"send","channel_id":1,"client_msg_id":"a","body":"Hallo"}"#,
            r#"{"type":"ping"}"#,
        ] {
            assert!(decode(text).is_ok(), "{text}");
        }
        assert_eq!(
            decode(r#"{"type":"dance"}"#).unwrap_err().0,
            code::UNKNOWN_TYPE
        );
        assert_eq!(decode("[1]").unwrap_err().0, code::MALFORMED);
    }
}
