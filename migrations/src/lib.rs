//! Schema history of Matchraum, shared by SQLite and PostgreSQL.
//!
//! List-valued fields (tags, standards, ...) are stored as JSON text so that both
//! databases hold them identically and filters can use one portable `LIKE` form.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_catalog;
mod m20261123_000002_embeddings;
mod m20261123_000003_accounts;
mod m20261123_000004_channels;
mod m20261123_000005_need_notifications;
mod m20261201_000006_channel_invitations;
mod m20261203_000007_interests;
mod m20261203_000008_usage_reviews;
mod m20261203_000009_reuse_checks;
mod m20261203_000011_reuse_notices;
mod m20261204_000012_usage_reconfirm_notices;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_catalog::Migration),
            Box::new(m20261123_000002_embeddings::Migration),
            Box::new(m20261123_000003_accounts::Migration),
            Box::new(m20261123_000004_channels::Migration),
            Box::new(m20261123_000005_need_notifications::Migration),
            Box::new(m20261201_000006_channel_invitations::Migration),
            Box::new(m20261203_000009_reuse_checks::Migration),
            Box::new(m20261203_000008_usage_reviews::Migration),
            Box::new(m20261203_000007_interests::Migration),
            Box::new(m20261203_000011_reuse_notices::Migration),
            Box::new(m20261204_000012_usage_reconfirm_notices::Migration),
        ]
    }
}
