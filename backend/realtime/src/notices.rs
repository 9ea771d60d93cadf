//! Live delivery of what concerns an organisation: the general notices
//! (`accounts::notices`) and the matched needs (`needs`), to the organisation's members.

use std::collections::HashMap;

use matchraum_accounts::notices::OrganisationNotice;
use sea_orm::{ConnectionTrait, DbErr};

use super::protocol::Notice;
use super::Realtime;

impl Realtime {
    /// Tells the members of each item's organisation now, on every socket they have open
    /// on any instance (the inbox has the record for later). One query for the members.
    pub(crate) async fn tell_organisations<T>(
        &self,
        db: &impl ConnectionTrait,
        items: &[T],
        organisation_of: impl Fn(&T) -> i64,
        notice: impl for<'x> Fn(&'x T) -> Notice<'x>,
    ) -> Result<(), DbErr> {
        let orgs: Vec<i64> = items.iter().map(&organisation_of).collect();
        if orgs.is_empty() {
            return Ok(());
        }
        let mut by_org: HashMap<i64, Vec<i64>> = HashMap::new();
        for (org, user) in matchraum_accounts::store::organisation_accounts(db, &orgs).await? {
            by_org.entry(org).or_default().push(user);
        }
        for item in items {
            if let Some(users) = by_org.get(&organisation_of(item)) {
                self.notify(users.clone(), &notice(item));
            }
        }
        Ok(())
    }

    /// Recorded notices, to the members of their organisations.
    pub async fn organisation_notified(
        &self,
        db: &impl ConnectionTrait,
        recorded: &[OrganisationNotice],
    ) -> Result<(), DbErr> {
        self.tell_organisations(
            db,
            recorded,
            |n| n.organisation_id,
            |n| Notice::Organisation(n),
        )
        .await
    }
}
