use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// When the provider was last told that the entry is stale: the sweep claims a solution by
/// setting it (a conditional update), so that replicas never notify twice per staleness.
#[derive(DeriveIden)]
enum Solutions {
    Table,
    StaleNotifiedAt,
}

/// The usage a notice is about (a claim that the organisation uses a solution), so that
/// the inbox can confirm or reject it in one click.
#[derive(DeriveIden)]
enum OrganisationNotices {
    Table,
    UsageId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Solutions::Table)
                .add_column(ColumnDef::new(Solutions::StaleNotifiedAt).timestamp_with_time_zone())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OrganisationNotices::Table)
                .add_column(ColumnDef::new(OrganisationNotices::UsageId).big_integer())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(OrganisationNotices::Table)
                .drop_column(OrganisationNotices::UsageId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Solutions::Table)
                .drop_column(Solutions::StaleNotifiedAt)
                .to_owned(),
        )
        .await
    }
}
