use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A pending invitation into a channel: the invitee becomes a member only by accepting.
#[derive(DeriveIden)]
enum ChannelInvitations {
    Table,
    Id,
    ChannelId,
    UserId,
    Role,
    InvitedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ChannelInvitations::Table)
                .col(
                    ColumnDef::new(ChannelInvitations::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ChannelInvitations::ChannelId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ChannelInvitations::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ChannelInvitations::Role)
                        .string_len(16)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ChannelInvitations::InvitedBy)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ChannelInvitations::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_channel_invitations_channel")
                        .from(ChannelInvitations::Table, ChannelInvitations::ChannelId)
                        .to(Channels::Table, Channels::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_channel_invitations_user")
                        .from(ChannelInvitations::Table, ChannelInvitations::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_channel_invitations")
                .table(ChannelInvitations::Table)
                .col(ChannelInvitations::UserId)
                .col(ChannelInvitations::ChannelId)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ChannelInvitations::Table).to_owned())
            .await
    }
}
