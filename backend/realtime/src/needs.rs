//! Live notices about a posted need.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr};

use super::protocol::Notice;
use super::Realtime;
use matchraum_matching::notify::NeedNotification;

impl Realtime {
    /// Tells the members of each notified organisation now, on every socket they have open
    /// on any instance (the inbox has the record for later).
    pub async fn need_notified(
        &self,
        db: &impl ConnectionTrait,
        recorded: &[NeedNotification],
    ) -> Result<(), DbErr> {
        let orgs: Vec<i64> = recorded.iter().map(|n| n.organisation_id).collect();
        if orgs.is_empty() {
            return Ok(());
        }
        let accounts = matchraum_accounts::store::organisation_accounts(db, &orgs).await?;
        let mut by_org: HashMap<i64, Vec<i64>> = HashMap::new();
        for (org, user) in accounts {
            by_org.entry(org).or_default().push(user);
        }
        for n in recorded {
            if let Some(users) = by_org.get(&n.organisation_id) {
                self.notify(users.clone(), &Notice::Need(n));
            }
        }
        Ok(())
    }
}
