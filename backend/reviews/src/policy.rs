//! Who sees and changes what in the review register. Reviews that the caller may not see
//! do not exist for them (404, never 403), like private needs.

use matchraum_accounts::{Principal, Scope};
use matchraum_core::Error;

use crate::model::Review;
use crate::vocab::ReviewVisibility;

fn write(p: &Principal) -> Result<(), Error> {
    if p.has_scope(Scope::Write) {
        Ok(())
    } else {
        Err(Error::forbidden("the access token lacks the `write` scope"))
    }
}

/// Whether `p` may read a review of `organisation_id` with `visibility`.
pub fn can_view(p: Option<&Principal>, visibility: ReviewVisibility, organisation_id: i64) -> bool {
    if visibility == ReviewVisibility::Public {
        return true;
    }
    let Some(p) = p.filter(|p| p.has_scope(Scope::Read)) else {
        return false;
    };
    match visibility {
        ReviewVisibility::Public => true,
        ReviewVisibility::Registered => p.is_operator() || !p.memberships.is_empty(),
        ReviewVisibility::Organisation => p.is_operator() || p.is_member_of(organisation_id),
    }
}

pub fn view(p: Option<&Principal>, r: &Review) -> Result<(), Error> {
    if can_view(p, r.visibility, r.organisation_id) {
        Ok(())
    } else {
        Err(Error::NotFound {
            kind: "review",
            id: r.id,
        })
    }
}

/// Entering, changing, deleting a review and uploading its file: members of the
/// reviewing organisation, and operators.
pub fn manage(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    write(p)?;
    if p.is_operator() || p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only members of the reviewing organisation and operators may enter or change its reviews",
        ))
    }
}

/// Marking (or unmarking) "we reused this review" for `organisation_id`: its members.
pub fn mark_reused(p: &Principal, organisation_id: i64) -> Result<(), Error> {
    write(p)?;
    if p.is_member_of(organisation_id) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only members of an organisation may say that it reused a review",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use matchraum_accounts::{AuthMethod, Membership, OrgRole, PlatformRole};

    fn p(role: PlatformRole, orgs: &[i64], scopes: Option<Vec<Scope>>) -> Principal {
        Principal {
            user_id: 1,
            role,
            memberships: orgs
                .iter()
                .map(|o| Membership {
                    organisation_id: *o,
                    role: OrgRole::Member,
                })
                .collect(),
            via: match scopes {
                None => AuthMethod::Session { session_id: 1 },
                Some(scopes) => AuthMethod::Token {
                    token_id: 1,
                    scopes,
                },
            },
        }
    }

    #[test]
    fn visibility_follows_membership() {
        use ReviewVisibility::*;
        let member = p(PlatformRole::Seeker, &[5], None);
        let other = p(PlatformRole::Seeker, &[6], None);
        let loner = p(PlatformRole::Seeker, &[], None);
        let op = p(PlatformRole::Operator, &[], None);
        assert!(can_view(None, Public, 5));
        assert!(!can_view(None, Registered, 5));
        assert!(can_view(Some(&other), Registered, 5));
        assert!(!can_view(Some(&loner), Registered, 5));
        assert!(can_view(Some(&member), Organisation, 5));
        assert!(!can_view(Some(&other), Organisation, 5));
        assert!(can_view(Some(&op), Organisation, 5));
        let write_only = p(PlatformRole::Seeker, &[5], Some(vec![Scope::Write]));
        assert!(!can_view(Some(&write_only), Organisation, 5));
    }

    #[test]
    fn managing_and_marking() {
        let member = p(PlatformRole::Seeker, &[5], None);
        let op = p(PlatformRole::Operator, &[], None);
        assert!(manage(&member, 5).is_ok());
        assert!(manage(&member, 6).is_err());
        assert!(manage(&op, 6).is_ok());
        assert!(mark_reused(&member, 5).is_ok());
        assert!(mark_reused(&op, 6).is_err());
        let read_only = p(PlatformRole::Seeker, &[5], Some(vec![Scope::Read]));
        assert!(manage(&read_only, 5).is_err());
    }
}
