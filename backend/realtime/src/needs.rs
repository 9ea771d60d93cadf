//! Live notices about a posted need.

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
        self.tell_organisations(db, recorded, |n| n.organisation_id, |n| Notice::Need(n))
            .await
    }
}
