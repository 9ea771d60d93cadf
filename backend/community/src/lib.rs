//! Community: channels (Q&A, forums, development communities, direct), memberships,
//! messages with threads, edits, reactions and mentions, Q&A and moderation.
//!
//! Owns: the community's storage and its rules ([`policy`]). May use: `matchraum-core`,
//! `matchraum-accounts` (the `Principal`), `matchraum-catalog` (organisation names),
//! sea-orm, Markdown rendering. Knows nothing of HTTP or websockets; the server's
//! `http::channels` and `http::ws` adapt it, `matchraum-realtime` publishes its changes.

pub mod emoji;
pub mod entity;
pub mod error;
pub mod invitations;
pub mod markdown;
pub mod model;
pub mod policy;
pub mod similar;
pub mod store;

pub use error::CommunityError;

use chrono::{DateTime, Utc};
use model::{ChannelKind, ChannelVisibility, MemberRole};

/// What the policy needs to know about a channel and the caller's place in it.
#[derive(Clone, Debug)]
pub struct ChannelFacts {
    pub channel_id: i64,
    pub kind: ChannelKind,
    pub visibility: ChannelVisibility,
    pub organisation_id: Option<i64>,
    pub locked: bool,
    /// The caller's membership, if any.
    pub member: Option<MemberFacts>,
}

#[derive(Clone, Debug)]
pub struct MemberFacts {
    pub role: MemberRole,
    pub banned: bool,
    pub muted_until: Option<DateTime<Utc>>,
}

impl MemberFacts {
    pub fn muted(&self, now: DateTime<Utc>) -> bool {
        self.muted_until.is_some_and(|t| t > now)
    }
}
