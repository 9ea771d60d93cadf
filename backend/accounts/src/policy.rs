//! THE authorisation policy: every handler (and every websocket subscription) asks here,
//! and nowhere else is a permission decided.
//!
//! Answers are `Ok(())`, 403 `/problems/forbidden`, or 404 `/problems/not-found` where the
//! mere existence of the thing must not leak (private needs). Tokens additionally need
//! the scope that matches the action (`write` for changes, `moderate` for moderation,
//! `admin` for platform administration); sessions carry every scope.

use super::{PlatformRole, Principal, Scope};
use matchraum_catalog::model::Need;
use matchraum_catalog::store::needs::NeedAudience;
use matchraum_catalog::vocab::Visibility;
use matchraum_core::Error;

pub fn forbidden(detail: impl Into<String>) -> Error {
    Error::Forbidden(detail.into())
}

fn not_found(kind: &'static str, id: i64) -> Error {
    // Exactly the answer to a need that does not exist.
    Error::NotFound { kind, id }
}

fn scope(p: &Principal, s: Scope) -> Result<(), Error> {
    if p.has_scope(s) {
        Ok(())
    } else {
        Err(forbidden(format!(
            "the access token lacks the `{}` scope",
            s.as_str()
        )))
    }
}

fn operator(p: &Principal) -> bool {
    p.role == PlatformRole::Operator
}

/// Platform administration (roles, audit log): operators, with the `admin` scope.
pub fn administer(p: &Principal) -> Result<(), Error> {
    if !operator(p) {
        return Err(forbidden("only operators may do this"));
    }
    scope(p, Scope::Admin)
}

pub fn read_audit(p: &Principal) -> Result<(), Error> {
    administer(p)
}

pub fn set_user_role(p: &Principal) -> Result<(), Error> {
    administer(p)
}

/// The account directory (e-mail addresses of everyone): operators only.
pub fn list_users(p: &Principal) -> Result<(), Error> {
    administer(p)
}

// ---- catalogue -----------------------------------------------------------------------

pub fn create_organisation(p: &Principal) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if operator(p) {
        Ok(())
    } else {
        Err(forbidden("only operators may create organisations"))
    }
}

/// Operators, and the organisation's own admins.
pub fn update_organisation(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if operator(p) || p.is_org_admin_of(organisation_id) {
        Ok(())
    } else {
        Err(forbidden(
            "only operators and this organisation's admins may change it",
        ))
    }
}

pub fn delete_organisation(p: &Principal, _organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if operator(p) {
        Ok(())
    } else {
        Err(forbidden("only operators may delete organisations"))
    }
}

/// Create, update or delete a solution whose provider is `provider_id` (checked for the
/// stored and for the requested provider on updates). Operators; providers who are members
/// of the provider organisation.
pub fn manage_solution(p: &Principal, provider_id: Option<i64>) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if operator(p) {
        return Ok(());
    }
    match provider_id {
        Some(org) if p.role == PlatformRole::Provider && p.is_member_of(org) => Ok(()),
        Some(_) if p.role == PlatformRole::Provider => Err(forbidden(
            "providers may only manage the solutions of their own organisation",
        )),
        None if p.role == PlatformRole::Provider => Err(forbidden(
            "a solution without a provider organisation can only be managed by operators",
        )),
        _ => Err(forbidden(
            "only providers (for their organisation) and operators may manage solutions",
        )),
    }
}

/// Usages: operators and members of the using organisation.
pub fn manage_usage(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if operator(p) || p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(forbidden(
            "only members of the using organisation and operators may record its usages",
        ))
    }
}

/// Claiming that organisation `organisation_id` uses a solution: any account that belongs
/// to an organisation (it speaks for a public body), and operators. A claim by someone
/// outside that organisation stays `claimed` until a member confirms it.
pub fn claim_usage(p: &Principal, _organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if operator(p) || !p.memberships.is_empty() {
        Ok(())
    } else {
        Err(forbidden(
            "only members of an organisation and operators may report that an organisation uses a solution",
        ))
    }
}

/// Whether a usage the caller records about `organisation_id` is confirmed at once: only
/// when the caller speaks for that organisation.
pub fn confirms_own_usage(p: &Principal, organisation_id: i64) -> bool {
    p.has_scope(Scope::Write) && p.is_member_of(organisation_id)
}

/// Confirming or rejecting a usage claim: members of the using organisation only (an
/// operator cannot vouch for an organisation it does not belong to).
pub fn decide_usage(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(forbidden(
            "only members of the using organisation may confirm or reject what is said about it",
        ))
    }
}

/// Writing or changing an experience report on a usage: members of the using
/// organisation. Deleting one: they and operators (see [`remove_experience`]).
pub fn write_experience(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(forbidden(
            "only members of the using organisation may report its experience",
        ))
    }
}

pub fn remove_experience(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if operator(p) || p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(forbidden(
            "only members of the using organisation and operators may delete its experience reports",
        ))
    }
}

/// Needs: operators and members of the need's organisation. Call [`view_need`] first for
/// an existing need, so that outsiders get 404 for private ones.
pub fn manage_need(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if operator(p) || p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(forbidden(
            "only members of the organisation and operators may manage its needs",
        ))
    }
}

/// An organisation's inbox of matched needs: its members and operators.
pub fn read_organisation_inbox(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Read)?;
    if operator(p) || p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(forbidden(
            "only members of the organisation and operators may read its notifications",
        ))
    }
}

/// An organisation's needs radar: its members and operators. The needs on it are public,
/// but which of them come close to the organisation's solutions is its own business
/// intelligence (and a seeker's need should not be a cold-call list for everyone).
pub fn read_needs_radar(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Read)?;
    if operator(p) || p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(forbidden(
            "only members of the organisation and operators may read its needs radar",
        ))
    }
}

/// Marking an organisation's notices read (for all its members): its members only, so
/// that an operator looking in never hides a notice from them.
pub fn mark_organisation_inbox(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(forbidden(
            "only members of the organisation mark its notifications read",
        ))
    }
}

/// Whether the caller sees private data of the organisations they belong to.
fn reads_private(p: &Principal) -> bool {
    p.has_scope(Scope::Read)
}

/// A need with visibility `organisation` exists only for its organisation's members and
/// operators; everybody else gets the same 404 as for a need that does not exist.
pub fn view_need(p: Option<&Principal>, need: &Need) -> Result<(), Error> {
    if need.visibility == Visibility::Public {
        return Ok(());
    }
    match p {
        Some(p) if reads_private(p) && (operator(p) || p.is_member_of(need.organisation_id)) => {
            Ok(())
        }
        _ => Err(not_found("need", need.id)),
    }
}

/// Which needs a list may show to the caller.
pub fn need_audience(p: Option<&Principal>) -> NeedAudience {
    match p {
        Some(p) if reads_private(p) && operator(p) => NeedAudience::Everyone,
        Some(p) if reads_private(p) => NeedAudience::PublicAnd(p.organisation_ids()),
        _ => NeedAudience::PublicAnd(vec![]),
    }
}

/// The organisations whose private needs may appear as match peers for the caller.
pub fn peer_organisations(p: Option<&Principal>) -> Vec<i64> {
    match p {
        Some(p) if reads_private(p) => p.organisation_ids(),
        _ => vec![],
    }
}

// ---- organisations' members ------------------------------------------------------------

/// Invitations into an organisation: operators and the organisation's admins.
pub fn invite(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if operator(p) || p.is_org_admin_of(organisation_id) {
        Ok(())
    } else {
        Err(forbidden(
            "only operators and this organisation's admins may invite members",
        ))
    }
}

/// Accepting an invitation: a session, or a token with the `write` scope.
pub fn join_organisation(p: &Principal) -> Result<(), Error> {
    scope(p, Scope::Write)
}

// ---- the account itself ----------------------------------------------------------------

/// Managing one's own tokens and account: a session, or a token with the `admin` scope
/// (a leaked `read`/`write` token cannot mint new tokens or delete the account).
pub fn manage_own_account(p: &Principal) -> Result<(), Error> {
    match &p.via {
        super::AuthMethod::Session { .. } => Ok(()),
        super::AuthMethod::Token { .. } => scope(p, Scope::Admin),
    }
}

/// Reading one's own data (`/me`, `/me/export`, token list).
pub fn read_own_account(p: &Principal) -> Result<(), Error> {
    scope(p, Scope::Read)
}

/// A new token may not carry more than its owner's role allows.
pub fn grant_scopes(p: &Principal, scopes: &[Scope]) -> Result<(), Error> {
    manage_own_account(p)?;
    for s in scopes {
        let allowed = match s {
            // `moderate` acts only where the account has the standing to moderate (the
            // channels it owns or moderates; everywhere for community managers).
            Scope::Read | Scope::Write | Scope::Moderate => true,
            Scope::Admin => operator(p),
        };
        if !allowed {
            return Err(forbidden(format!(
                "your role may not grant the `{}` scope",
                s.as_str()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AuthMethod, Membership, OrgRole};

    fn p(role: PlatformRole, orgs: &[(i64, OrgRole)], via: AuthMethod) -> Principal {
        Principal {
            user_id: 1,
            role,
            memberships: orgs
                .iter()
                .map(|(o, r)| Membership {
                    organisation_id: *o,
                    role: *r,
                })
                .collect(),
            via,
        }
    }

    const S: AuthMethod = AuthMethod::Session { session_id: 1 };

    #[test]
    fn solutions() {
        let prov = p(PlatformRole::Provider, &[(5, OrgRole::Member)], S);
        assert!(manage_solution(&prov, Some(5)).is_ok());
        assert!(manage_solution(&prov, Some(6)).is_err());
        assert!(manage_solution(&prov, None).is_err());
        let seeker = p(PlatformRole::Seeker, &[(5, OrgRole::OrgAdmin)], S);
        assert!(manage_solution(&seeker, Some(5)).is_err());
        let op = p(PlatformRole::Operator, &[], S);
        assert!(manage_solution(&op, None).is_ok());
        let read_only = p(
            PlatformRole::Operator,
            &[],
            AuthMethod::Token {
                token_id: 1,
                scopes: vec![Scope::Read],
            },
        );
        assert!(manage_solution(&read_only, None).is_err());
        assert!(read_audit(&read_only).is_err());
    }

    #[test]
    fn usage_claims_and_verdicts() {
        let outsider = p(PlatformRole::Seeker, &[(7, OrgRole::Member)], S);
        assert!(claim_usage(&outsider, 5).is_ok());
        assert!(!confirms_own_usage(&outsider, 5));
        assert!(decide_usage(&outsider, 5).is_err());
        assert!(write_experience(&outsider, 5).is_err());
        let member = p(PlatformRole::Seeker, &[(5, OrgRole::Member)], S);
        assert!(confirms_own_usage(&member, 5));
        assert!(decide_usage(&member, 5).is_ok());
        assert!(write_experience(&member, 5).is_ok());
        let nobody = p(PlatformRole::Seeker, &[], S);
        assert!(claim_usage(&nobody, 5).is_err());
        let op = p(PlatformRole::Operator, &[], S);
        assert!(claim_usage(&op, 5).is_ok());
        assert!(
            decide_usage(&op, 5).is_err(),
            "operators do not vouch for others"
        );
        assert!(remove_experience(&op, 5).is_ok());
    }

    #[test]
    fn organisations_and_scopes() {
        let admin = p(PlatformRole::Seeker, &[(5, OrgRole::OrgAdmin)], S);
        assert!(update_organisation(&admin, 5).is_ok());
        assert!(update_organisation(&admin, 6).is_err());
        assert!(delete_organisation(&admin, 5).is_err());
        assert!(invite(&admin, 5).is_ok());
        let member = p(PlatformRole::Seeker, &[(5, OrgRole::Member)], S);
        assert!(invite(&member, 5).is_err());
        assert!(grant_scopes(&member, &[Scope::Read, Scope::Write]).is_ok());
        assert!(grant_scopes(&member, &[Scope::Admin]).is_err());
    }
}
