use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What a posted need found: the organisations to tell about it and why.
#[derive(DeriveIden)]
enum NeedNotifications {
    Table,
    Id,
    NeedId,
    OrganisationId,
    Reason,
    SolutionId,
    SimilarNeedId,
    Score,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Needs {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NeedNotifications::Table)
                .col(
                    ColumnDef::new(NeedNotifications::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(NeedNotifications::NeedId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(NeedNotifications::OrganisationId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(NeedNotifications::Reason)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(NeedNotifications::SolutionId).big_integer())
                .col(ColumnDef::new(NeedNotifications::SimilarNeedId).big_integer())
                .col(ColumnDef::new(NeedNotifications::Score).double().not_null())
                .col(
                    ColumnDef::new(NeedNotifications::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(NeedNotifications::ReadAt).timestamp_with_time_zone())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_need_notifications_need")
                        .from(NeedNotifications::Table, NeedNotifications::NeedId)
                        .to(Needs::Table, Needs::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_need_notifications_organisation")
                        .from(NeedNotifications::Table, NeedNotifications::OrganisationId)
                        .to(Organisations::Table, Organisations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_need_notifications")
                .table(NeedNotifications::Table)
                .col(NeedNotifications::NeedId)
                .col(NeedNotifications::OrganisationId)
                .col(NeedNotifications::Reason)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_need_notifications_organisation")
                .table(NeedNotifications::Table)
                .col(NeedNotifications::OrganisationId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(NeedNotifications::Table).to_owned())
            .await
    }
}
