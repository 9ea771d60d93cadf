//! The channel rules, used by `community::store` and `realtime`: [`CommunityFacts`]
//! carries the channel's kind, visibility and organisation and the caller's membership
//! (role, ban, mute) as loaded by `community::store`.
//!
//! One function per action, each `Result<(), Error>` with the reason a refusal gives (like
//! the policies of the other domain crates); [`can_moderate`] also answers as a predicate,
//! for what a moderator sees in full.

use super::model::{ChannelKind, ChannelVisibility, MemberRole};
use super::ChannelFacts as CommunityFacts;
use matchraum_accounts::{PlatformRole, Principal, Scope};
use matchraum_core::Error;

/// `Ok` if `allowed`, else forbidden with `why`.
fn allow(allowed: bool, why: &str) -> Result<(), Error> {
    if allowed {
        Ok(())
    } else {
        Err(Error::forbidden(why))
    }
}

/// Reading a channel's messages (REST history and websocket subscribe).
fn can_read_channel(p: Option<&Principal>, f: &CommunityFacts) -> bool {
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
fn can_join_channel(p: &Principal, f: &CommunityFacts) -> bool {
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
fn can_post(
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
fn can_act_on_member(p: &Principal, f: &CommunityFacts, target: MemberRole) -> bool {
    target < MemberRole::Moderator || can_delete_channel(p, f)
}

/// Community managers and operators see every report queue.
fn can_moderate_everywhere(p: &Principal) -> bool {
    p.has_scope(Scope::Moderate)
        && matches!(
            p.role,
            PlatformRole::CommunityManager | PlatformRole::Operator
        )
}

/// Renaming, describing and re-scoping a channel (locking it is moderation).
fn can_manage_channel(p: &Principal, f: &CommunityFacts) -> bool {
    p.has_scope(Scope::Write) && moderator_standing(p, f)
}

/// Inviting members and naming moderators (nobody joins a direct channel).
fn can_invite(p: &Principal, f: &CommunityFacts) -> bool {
    can_manage_channel(p, f)
}

/// Deleting a channel and naming owners: its owners and operators.
fn can_delete_channel(p: &Principal, f: &CommunityFacts) -> bool {
    p.has_scope(Scope::Write)
        && (p.is_operator()
            || (f.kind != ChannelKind::Direct
                && f.member
                    .as_ref()
                    .is_some_and(|m| !m.banned && m.role == MemberRole::Owner)))
}

/// Opening a channel: forums are for community managers; an organisation's channels for
/// its members; Q&A and community channels for any signed-in account.
fn can_create_channel(p: &Principal, kind: ChannelKind, organisation_id: Option<i64>) -> bool {
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

// ---- the actions ----------------------------------------------------------------------

/// Reading a channel's messages (REST history and websocket subscribe).
pub fn read_channel(p: Option<&Principal>, f: &CommunityFacts) -> Result<(), Error> {
    allow(
        can_read_channel(p, f),
        "you may not read this channel (join it or ask for an invitation)",
    )
}

/// Joining without an invitation (see `can_join_channel`).
pub fn join_channel(p: &Principal, f: &CommunityFacts) -> Result<(), Error> {
    allow(
        can_join_channel(p, f),
        "this channel is open by invitation only",
    )
}

/// Writing a message (see `can_post`); the error says why not.
pub fn post(
    p: &Principal,
    f: &CommunityFacts,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    can_post(p, f, now).map_err(Error::forbidden)
}

/// Replying in a locked topic: moderators only.
pub fn reply_to(p: &Principal, f: &CommunityFacts, topic_locked: bool) -> Result<(), Error> {
    allow(!topic_locked || can_moderate(p, f), "this topic is locked")
}

/// Reacting to a message: whoever may write in the channel.
pub fn react(
    p: &Principal,
    f: &CommunityFacts,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    allow(can_post(p, f, now).is_ok(), "join the channel to react")
}

/// Editing a message: moderators, and its author while they may write in the channel.
pub fn edit_message(
    p: &Principal,
    f: &CommunityFacts,
    own: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    allow(
        can_moderate(p, f) || (own && can_post(p, f, now).is_ok()),
        "only the author or a moderator edits a message",
    )
}

/// Pinning, hiding, locking or deleting a message: moderators; its author may delete it
/// (`deletes_own`).
pub fn moderate_message(p: &Principal, f: &CommunityFacts, deletes_own: bool) -> Result<(), Error> {
    allow(can_moderate(p, f) || deletes_own, "only moderators do this")
}

/// Accepting an answer: the asker (`asker`) or a moderator.
pub fn accept_answer(p: &Principal, f: &CommunityFacts, asker: bool) -> Result<(), Error> {
    allow(
        asker || can_moderate(p, f),
        "only the asker or a moderator accepts an answer",
    )
}

/// A channel's report queue: its moderators.
pub fn see_reports(p: &Principal, f: &CommunityFacts) -> Result<(), Error> {
    allow(can_moderate(p, f), "only moderators see reports")
}

/// Every channel's report queue: community managers and operators.
pub fn see_every_report(p: &Principal) -> Result<(), Error> {
    allow(
        can_moderate_everywhere(p),
        "only community managers see every report",
    )
}

/// Resolving a report: the channel's moderators.
pub fn resolve_report(p: &Principal, f: &CommunityFacts) -> Result<(), Error> {
    allow(can_moderate(p, f), "only moderators resolve reports")
}

/// Opening a channel (see `can_create_channel`).
pub fn create_channel(
    p: &Principal,
    kind: ChannelKind,
    organisation_id: Option<i64>,
) -> Result<(), Error> {
    allow(
        can_create_channel(p, kind, organisation_id),
        match kind {
            ChannelKind::Forum => "only community managers open forums",
            _ => "you may not create a channel for this organisation",
        },
    )
}

/// Renaming, describing and re-scoping a channel.
pub fn manage_channel(p: &Principal, f: &CommunityFacts) -> Result<(), Error> {
    allow(
        can_manage_channel(p, f),
        "only the channel's owners and moderators change it",
    )
}

/// Locking or unlocking a channel is moderation.
pub fn lock_channel(p: &Principal, f: &CommunityFacts) -> Result<(), Error> {
    allow(
        can_moderate(p, f),
        "locking a channel is moderation (a token needs the moderate scope)",
    )
}

/// Deleting a channel: its owners and operators.
pub fn delete_channel(p: &Principal, f: &CommunityFacts) -> Result<(), Error> {
    allow(
        can_delete_channel(p, f),
        "only the channel's owner deletes it",
    )
}

/// Naming owners: the channel's owners and operators.
fn name_owner(p: &Principal, f: &CommunityFacts, role: MemberRole) -> Result<(), Error> {
    allow(
        role != MemberRole::Owner || can_delete_channel(p, f),
        "only owners name owners",
    )
}

/// Changing a member's role to `role`: owners and moderators; naming owners is the owners'.
pub fn set_role(p: &Principal, f: &CommunityFacts, role: MemberRole) -> Result<(), Error> {
    allow(can_invite(p, f), "only owners and moderators change roles")?;
    name_owner(p, f, role)
}

/// Inviting someone as `role`: owners and moderators; inviting owners is the owners'.
pub fn invite(p: &Principal, f: &CommunityFacts, role: MemberRole) -> Result<(), Error> {
    allow(
        can_invite(p, f),
        "only owners and moderators invite (nobody is added to a direct channel)",
    )?;
    name_owner(p, f, role)
}

/// Removing another member: moderators.
pub fn remove_member(p: &Principal, f: &CommunityFacts) -> Result<(), Error> {
    allow(can_moderate(p, f), "only moderators remove members")
}

/// Muting or banning: moderators.
pub fn sanction(p: &Principal, f: &CommunityFacts) -> Result<(), Error> {
    allow(can_moderate(p, f), "only moderators mute or ban")
}

/// Changing, sanctioning or removing a member of role `target` (see `can_act_on_member`).
pub fn act_on_member(p: &Principal, f: &CommunityFacts, target: MemberRole) -> Result<(), Error> {
    allow(
        can_act_on_member(p, f, target),
        "only owners change or sanction owners and moderators",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemberFacts;
    use matchraum_accounts::AuthMethod;

    fn person(role: PlatformRole) -> Principal {
        Principal {
            user_id: 1,
            role,
            memberships: Vec::new(),
            via: AuthMethod::Session { session_id: 1 },
        }
    }

    fn channel(member: Option<MemberRole>) -> CommunityFacts {
        CommunityFacts {
            channel_id: 1,
            kind: ChannelKind::Community,
            visibility: ChannelVisibility::Members,
            organisation_id: None,
            locked: false,
            member: member.map(|role| MemberFacts {
                role,
                banned: false,
                muted_until: None,
            }),
        }
    }

    fn refusal(r: Result<(), Error>) -> String {
        match r {
            Err(Error::Forbidden(why)) => why,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn members_post_and_outsiders_are_told_to_join() {
        let p = person(PlatformRole::Seeker);
        let now = chrono::Utc::now();
        assert!(post(&p, &channel(Some(MemberRole::Member)), now).is_ok());
        assert_eq!(
            refusal(post(&p, &channel(None), now)),
            "join the channel to write in it"
        );
        assert_eq!(
            refusal(react(&p, &channel(None), now)),
            "join the channel to react"
        );
    }

    #[test]
    fn moderators_moderate_and_members_only_their_own() {
        let p = person(PlatformRole::Seeker);
        let member = channel(Some(MemberRole::Member));
        let moderator = channel(Some(MemberRole::Moderator));
        assert!(moderate_message(&p, &moderator, false).is_ok());
        assert!(moderate_message(&p, &member, true).is_ok());
        assert_eq!(
            refusal(moderate_message(&p, &member, false)),
            "only moderators do this"
        );
        assert!(resolve_report(&p, &moderator).is_ok());
        assert!(resolve_report(&p, &member).is_err());
        assert!(see_every_report(&p).is_err());
        assert!(see_every_report(&person(PlatformRole::CommunityManager)).is_ok());
    }

    #[test]
    fn only_owners_name_owners() {
        let p = person(PlatformRole::Seeker);
        let moderator = channel(Some(MemberRole::Moderator));
        assert!(set_role(&p, &moderator, MemberRole::Moderator).is_ok());
        assert_eq!(
            refusal(set_role(&p, &moderator, MemberRole::Owner)),
            "only owners name owners"
        );
        assert_eq!(
            refusal(set_role(
                &p,
                &channel(Some(MemberRole::Member)),
                MemberRole::Member
            )),
            "only owners and moderators change roles"
        );
        assert!(invite(&p, &channel(Some(MemberRole::Owner)), MemberRole::Owner).is_ok());
        assert_eq!(
            refusal(act_on_member(&p, &moderator, MemberRole::Moderator)),
            "only owners change or sanction owners and moderators"
        );
    }

    #[test]
    fn forums_are_for_community_managers() {
        let p = person(PlatformRole::Seeker);
        assert_eq!(
            refusal(create_channel(&p, ChannelKind::Forum, None)),
            "only community managers open forums"
        );
        assert!(create_channel(
            &person(PlatformRole::CommunityManager),
            ChannelKind::Forum,
            None
        )
        .is_ok());
        assert!(create_channel(&p, ChannelKind::Community, None).is_ok());
    }
}
