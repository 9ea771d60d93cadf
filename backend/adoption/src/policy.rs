//! Who may express, read and manage interest. Every adoption route asks here.
//!
//! The "owner" of a target is the organisation that offers it: the provider of a
//! solution, the organisation that posted a need.

use matchraum_accounts::{Principal, Scope};
use matchraum_core::Error;

fn scope(p: &Principal, s: Scope) -> Result<(), Error> {
    if p.has_scope(s) {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "the access token lacks the `{}` scope",
            s.as_str()
        )))
    }
}

/// The organisation the caller acts for: the one asked for (which they must belong to),
/// else their only one.
pub fn acting_organisation(p: &Principal, requested: Option<i64>) -> Result<i64, Error> {
    let orgs = p.organisation_ids();
    match requested {
        Some(org) if p.is_member_of(org) => Ok(org),
        Some(_) => Err(Error::forbidden(
            "you may only act for organisations you are a member of",
        )),
        None => match orgs.as_slice() {
            [only] => Ok(*only),
            [] => Err(Error::forbidden(
                "interest is expressed for an organisation; your account belongs to none",
            )),
            _ => Err(Error::invalid(
                "organisation",
                "you belong to several organisations: choose one with ?organisation=<id>",
            )),
        },
    }
}

/// Expressing, changing or withdrawing an organisation's interest: its members.
pub fn express(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only members of the organisation may express its interest",
        ))
    }
}

/// Reading an organisation's own interest: its members and operators.
pub fn read_own(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    scope(p, Scope::Read)?;
    if p.is_operator() || p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only members of the organisation may read its interest",
        ))
    }
}

/// Whether the caller sees interested organisations by name: members of the owner and
/// operators (with the `read` scope). Everybody else sees the aggregate.
pub fn sees_names(p: Option<&Principal>, owner: Option<i64>) -> bool {
    match p {
        Some(p) if p.has_scope(Scope::Read) => {
            p.is_operator() || owner.is_some_and(|o| p.is_member_of(o))
        }
        _ => false,
    }
}

/// Setting or removing the threshold of a target: members of its owner, for the owner.
/// Returns the owner.
pub fn manage_threshold(p: &Principal, owner: Option<i64>) -> Result<i64, Error> {
    scope(p, Scope::Write)?;
    match owner {
        Some(o) if p.is_member_of(o) => Ok(o),
        Some(_) => Err(Error::forbidden(
            "only members of the offering organisation set its threshold",
        )),
        None => Err(Error::invalid(
            "threshold",
            "a solution without a provider organisation has nobody to start it",
        )),
    }
}

/// Setting or removing a bundler's threshold for its clients' interest in a solution: the
/// bundler's admins; the provider sets its own (`manage_threshold`) instead.
pub fn manage_bundler_threshold(
    p: &Principal,
    bundler: i64,
    owner: Option<i64>,
) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if !p.is_org_admin_of(bundler) {
        return Err(Error::forbidden(
            "only the bundling organisation's admins set its threshold",
        ));
    }
    if owner == Some(bundler) {
        return Err(Error::invalid(
            "threshold",
            "the provider sets its threshold on the solution itself",
        ));
    }
    Ok(())
}

/// Proposing that `bundler` bundles for a client: the bundler's admins.
pub fn propose_bundling(p: &Principal, bundler: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if p.is_org_admin_of(bundler) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only the bundling organisation's admins propose a bundling",
        ))
    }
}

/// Seeing that a bundling exists at all: members of either side and operators. Outsiders
/// learn nothing about who bundles for whom: for them it does not exist.
pub fn see_bundling(p: &Principal, id: i64, bundler: i64, client: i64) -> Result<(), Error> {
    if p.is_member_of(client) || p.is_member_of(bundler) || p.is_operator() {
        Ok(())
    } else {
        Err(Error::NotFound {
            kind: "bundling",
            id,
        })
    }
}

/// Accepting or declining a bundling: the client's admins.
pub fn answer_bundling(p: &Principal, client: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if p.is_org_admin_of(client) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only the client organisation's admins accept or decline a bundling",
        ))
    }
}

/// Ending a bundling: the admins of either side.
pub fn end_bundling(p: &Principal, bundler: i64, client: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if p.is_org_admin_of(bundler) || p.is_org_admin_of(client) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only the admins of the bundler or of the client end a bundling",
        ))
    }
}

/// Reading an organisation's bundlings and its clients' interests: its members and
/// operators.
pub fn read_bundlings(p: &Principal, org: i64) -> Result<(), Error> {
    scope(p, Scope::Read)?;
    if p.is_operator() || p.is_member_of(org) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only members of the organisation read its bundlings",
        ))
    }
}

/// Submitting a bundled expression for clients: members of the bundler.
pub fn submit_bundled(p: &Principal, bundler: i64) -> Result<(), Error> {
    scope(p, Scope::Write)?;
    if p.is_member_of(bundler) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only members of the bundling organisation submit for its clients",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use matchraum_accounts::{AuthMethod, Membership, OrgRole, PlatformRole};

    fn p(orgs: &[i64], via: AuthMethod) -> Principal {
        Principal {
            user_id: 1,
            role: PlatformRole::Seeker,
            memberships: orgs
                .iter()
                .map(|o| Membership {
                    organisation_id: *o,
                    role: OrgRole::Member,
                })
                .collect(),
            via,
        }
    }

    const S: AuthMethod = AuthMethod::Session { session_id: 1 };

    #[test]
    fn the_acting_organisation_is_the_only_one_or_the_chosen_one() {
        assert_eq!(acting_organisation(&p(&[4], S), None).unwrap(), 4);
        assert_eq!(acting_organisation(&p(&[4, 5], S), Some(5)).unwrap(), 5);
        assert!(matches!(
            acting_organisation(&p(&[4, 5], S), None),
            Err(Error::Invalid { .. })
        ));
        assert!(matches!(
            acting_organisation(&p(&[4], S), Some(6)),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            acting_organisation(&p(&[], S), None),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn members_express_and_owners_see_names() {
        assert!(express(&p(&[4], S), 4).is_ok());
        assert!(express(&p(&[4], S), 5).is_err());
        let read_only = AuthMethod::Token {
            token_id: 1,
            scopes: vec![Scope::Read],
        };
        assert!(express(&p(&[4], read_only.clone()), 4).is_err());
        assert!(sees_names(Some(&p(&[4], read_only)), Some(4)));
        assert!(!sees_names(Some(&p(&[4], S)), Some(5)));
        assert!(!sees_names(Some(&p(&[4], S)), None));
        assert!(!sees_names(None, Some(4)));
    }

    #[test]
    fn bundlings_are_proposed_by_bundler_admins_and_answered_by_client_admins() {
        let admin_of = |o: i64| Principal {
            memberships: vec![Membership {
                organisation_id: o,
                role: OrgRole::OrgAdmin,
            }],
            ..p(&[], S)
        };
        assert!(propose_bundling(&admin_of(1), 1).is_ok());
        assert!(propose_bundling(&p(&[1], S), 1).is_err(), "members do not");
        assert!(answer_bundling(&admin_of(2), 2).is_ok());
        assert!(answer_bundling(&admin_of(1), 2).is_err());
        assert!(end_bundling(&admin_of(2), 1, 2).is_ok());
        assert!(end_bundling(&admin_of(3), 1, 2).is_err());
        assert!(see_bundling(&p(&[2], S), 9, 1, 2).is_ok());
        assert!(see_bundling(&p(&[1], S), 9, 1, 2).is_ok());
        assert!(matches!(
            see_bundling(&p(&[3], S), 9, 1, 2),
            Err(Error::NotFound { id: 9, .. })
        ));
        assert!(submit_bundled(&p(&[1], S), 1).is_ok());
        assert!(read_bundlings(&p(&[2], S), 1).is_err());
    }

    #[test]
    fn only_the_owners_members_manage_thresholds() {
        assert_eq!(manage_threshold(&p(&[4], S), Some(4)).unwrap(), 4);
        assert!(matches!(
            manage_threshold(&p(&[4], S), Some(5)),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            manage_threshold(&p(&[4], S), None),
            Err(Error::Invalid { .. })
        ));
    }
}
