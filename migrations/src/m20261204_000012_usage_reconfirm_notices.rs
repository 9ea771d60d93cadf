use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// When the using organisation was last asked to confirm a usage again: the sweep claims a
/// due usage by setting it (a conditional update), so that replicas never ask twice for
/// the same due date.
#[derive(DeriveIden)]
enum SolutionUsages {
    Table,
    ReconfirmNotifiedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SolutionUsages::Table)
                .add_column(
                    ColumnDef::new(SolutionUsages::ReconfirmNotifiedAt).timestamp_with_time_zone(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SolutionUsages::Table)
                .drop_column(SolutionUsages::ReconfirmNotifiedAt)
                .to_owned(),
        )
        .await
    }
}
