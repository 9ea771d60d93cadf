//! Who may read and change a reuse check. A check belongs to one organisation: its
//! members read and edit it (edits only while it is open), operators read it; for everyone
//! else it does not exist (404, so that its existence does not leak).

use matchraum_accounts::{Principal, Scope};
use matchraum_core::Error;

fn not_found(id: i64) -> Error {
    Error::NotFound {
        kind: "reuse check",
        id,
    }
}

/// Saving a search as a check for `organisation_id`: its members, with the write scope.
pub fn create(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    if !p.has_scope(Scope::Write) {
        return Err(Error::forbidden("the access token lacks the `write` scope"));
    }
    if !p.is_member_of(organisation_id) {
        return Err(Error::forbidden(
            "only members of the organisation may document a reuse check for it",
        ));
    }
    Ok(())
}

/// Reading check `id` of `organisation_id`.
pub fn read(p: &Principal, id: i64, organisation_id: i64) -> Result<(), Error> {
    if p.has_scope(Scope::Read) && (p.is_member_of(organisation_id) || p.is_operator()) {
        Ok(())
    } else {
        Err(not_found(id))
    }
}

/// Listing the checks of `organisation_id`.
pub fn list(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    if p.has_scope(Scope::Read) && (p.is_member_of(organisation_id) || p.is_operator()) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only members of the organisation and operators see its reuse checks",
        ))
    }
}

/// Changing (or closing) check `id`: members of its organisation while it is open.
pub fn edit(p: &Principal, id: i64, organisation_id: i64, closed: bool) -> Result<(), Error> {
    read(p, id, organisation_id)?;
    if !p.has_scope(Scope::Write) {
        return Err(Error::forbidden("the access token lacks the `write` scope"));
    }
    if !p.is_member_of(organisation_id) {
        return Err(Error::forbidden(
            "only members of the organisation may change its reuse checks",
        ));
    }
    if closed {
        return Err(Error::Conflict(
            "the reuse check is closed and can no longer be changed".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use matchraum_accounts::{AuthMethod, Membership, OrgRole, PlatformRole};

    fn principal(role: PlatformRole, orgs: &[i64], scopes: Option<Vec<Scope>>) -> Principal {
        Principal {
            user_id: 1,
            role,
            memberships: orgs
                .iter()
                .map(|&o| Membership {
                    organisation_id: o,
                    role: OrgRole::Member,
                })
                .collect(),
            via: match scopes {
                Some(scopes) => AuthMethod::Token {
                    token_id: 1,
                    scopes,
                },
                None => AuthMethod::Session { session_id: 1 },
            },
        }
    }

    #[test]
    fn members_read_and_edit_open_checks_only() {
        let m = principal(PlatformRole::Seeker, &[7], None);
        assert!(read(&m, 1, 7).is_ok());
        assert!(edit(&m, 1, 7, false).is_ok());
        assert!(matches!(edit(&m, 1, 7, true), Err(Error::Conflict(_))));
        assert!(create(&m, 7).is_ok());
        assert!(matches!(create(&m, 8), Err(Error::Forbidden(_))));
    }

    #[test]
    fn outsiders_do_not_learn_that_a_check_exists() {
        let other = principal(PlatformRole::Provider, &[8], None);
        assert!(matches!(read(&other, 1, 7), Err(Error::NotFound { .. })));
        assert!(matches!(
            edit(&other, 1, 7, false),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(list(&other, 7), Err(Error::Forbidden(_))));
    }

    #[test]
    fn operators_read_but_do_not_edit() {
        let op = principal(PlatformRole::Operator, &[], None);
        assert!(read(&op, 1, 7).is_ok());
        assert!(list(&op, 7).is_ok());
        assert!(matches!(edit(&op, 1, 7, false), Err(Error::Forbidden(_))));
    }

    #[test]
    fn a_read_token_cannot_write() {
        let t = principal(PlatformRole::Seeker, &[7], Some(vec![Scope::Read]));
        assert!(read(&t, 1, 7).is_ok());
        assert!(matches!(edit(&t, 1, 7, false), Err(Error::Forbidden(_))));
        assert!(matches!(create(&t, 7), Err(Error::Forbidden(_))));
    }
}
