//! The channel rules, used by `community::store` and `realtime`: [`CommunityFacts`]
//! carries the channel's kind, visibility and organisation and the caller's membership
//! (role, ban, mute) as loaded by `community::store`.

use super::model::{ChannelKind, ChannelVisibility, MemberRole};
use super::ChannelFacts as CommunityFacts;
use matchraum_accounts::{PlatformRole, Principal, Scope};

/// Reading a channel's messages (REST history and websocket subscribe).
pub fn can_read_channel(p: Option<&Principal>, f: &CommunityFacts) -> bool {
    if f.member.as_ref().is_some_and(|m| m.banned) {
        return false;
    }
    if f.visibility == ChannelVisibility::Public && f.kind != ChannelKind::Direct {
        return true;
    }
    let Some(p) = p else { return false };
    if !p.has_scope(Scope::Read) {
        return false;
    }
    if f.member.is_some() || p.is_operator() {
        return true;
    }
    match f.visibility {
        ChannelVisibility::Organisation => f.organisation_id.is_some_and(|o| p.is_member_of(o)),
        ChannelVisibility::Members | ChannelVisibility::Public => {
            // Community managers oversee forums even when they are members only.
            f.kind == ChannelKind::Forum && p.role == PlatformRole::CommunityManager
        }
    }
}

/// Joining without an invitation: public channels, and organisation channels for the
/// organisation's members.
pub fn can_join_channel(p: &Principal, f: &CommunityFacts) -> bool {
    if f.member.as_ref().is_some_and(|m| m.banned) || f.kind == ChannelKind::Direct {
        return false;
    }
    match f.visibility {
        ChannelVisibility::Public => true,
        ChannelVisibility::Organisation => {
            f.organisation_id.is_some_and(|o| p.is_member_of(o)) || p.is_operator()
        }
        ChannelVisibility::Members => p.is_operator(),
    }
}

/// Writing a message: members who are neither banned nor muted, in an unlocked channel
/// (moderators write in locked ones). The error says why not.
pub fn can_post(
    p: &Principal,
    f: &CommunityFacts,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), &'static str> {
    if !p.has_scope(Scope::Write) {
        return Err("the token lacks the write scope");
    }
    let Some(m) = &f.member else {
        return Err("join the channel to write in it");
    };
    if m.banned {
        return Err("you are banned from this channel");
    }
    if m.muted(now) {
        return Err("you are muted in this channel");
    }
    if f.locked && !can_moderate(p, f) {
        return Err("the channel is locked");
    }
    Ok(())
}

/// The channel's owners and moderators, and community managers and operators everywhere
/// except in direct channels (which have no moderators: two sides talk).
fn moderator_standing(p: &Principal, f: &CommunityFacts) -> bool {
    if f.kind == ChannelKind::Direct {
        return false;
    }
    let role_ok = f
        .member
        .as_ref()
        .is_some_and(|m| !m.banned && m.role >= MemberRole::Moderator);
    role_ok
        || matches!(
            p.role,
            PlatformRole::CommunityManager | PlatformRole::Operator
        )
}

/// Pin, hide, delete, lock, mute, ban, remove, edit others' messages, reports: those with
/// the standing to moderate, and (as tokens) only with the `moderate` scope; a leaked
/// `write` token cannot moderate, even its owner's own channel.
pub fn can_moderate(p: &Principal, f: &CommunityFacts) -> bool {
    p.has_scope(Scope::Write) && p.has_scope(Scope::Moderate) && moderator_standing(p, f)
}

/// Acting on a member of this role (changing their role, muting, banning, removing):
/// members are anyone's to moderate, owners and moderators only the owners' (and
/// operators') to change.
pub fn can_act_on_member(p: &Principal, f: &CommunityFacts, target: MemberRole) -> bool {
    target < MemberRole::Moderator || can_delete_channel(p, f)
}

/// Community managers and operators see every report queue.
pub fn can_moderate_everywhere(p: &Principal) -> bool {
    p.has_scope(Scope::Moderate)
        && matches!(
            p.role,
            PlatformRole::CommunityManager | PlatformRole::Operator
        )
}

/// Renaming, describing and re-scoping a channel (locking it is moderation).
pub fn can_manage_channel(p: &Principal, f: &CommunityFacts) -> bool {
    p.has_scope(Scope::Write) && moderator_standing(p, f)
}

/// Inviting members and naming moderators (nobody joins a direct channel).
pub fn can_invite(p: &Principal, f: &CommunityFacts) -> bool {
    can_manage_channel(p, f)
}

/// Deleting a channel and naming owners: its owners and operators.
pub fn can_delete_channel(p: &Principal, f: &CommunityFacts) -> bool {
    p.has_scope(Scope::Write)
        && (p.is_operator()
            || (f.kind != ChannelKind::Direct
                && f.member
                    .as_ref()
                    .is_some_and(|m| !m.banned && m.role == MemberRole::Owner)))
}

/// Opening a channel: forums are for community managers; an organisation's channels for
/// its members; Q&A and community channels for any signed-in account.
pub fn can_create_channel(p: &Principal, kind: ChannelKind, organisation_id: Option<i64>) -> bool {
    if !p.has_scope(Scope::Write) {
        return false;
    }
    if p.is_operator() {
        return true;
    }
    if kind == ChannelKind::Forum && p.role != PlatformRole::CommunityManager {
        return false;
    }
    match organisation_id {
        Some(o) => p.is_member_of(o) || p.role == PlatformRole::CommunityManager,
        None => true,
    }
}
