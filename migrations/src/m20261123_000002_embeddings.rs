use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Persisted embeddings, so a restart reloads vectors instead of re-embedding.
#[derive(DeriveIden)]
enum Embeddings {
    Table,
    ItemKind,
    ItemId,
    Model,
    TextHash,
    Vector,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Embeddings::Table)
                .col(
                    ColumnDef::new(Embeddings::ItemKind)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(Embeddings::ItemId).big_integer().not_null())
                .col(ColumnDef::new(Embeddings::Model).string_len(100).not_null())
                .col(
                    ColumnDef::new(Embeddings::TextHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(ColumnDef::new(Embeddings::Vector).binary().not_null())
                .col(
                    ColumnDef::new(Embeddings::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(Embeddings::ItemKind)
                        .col(Embeddings::ItemId),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Embeddings::Table).to_owned())
            .await
    }
}
