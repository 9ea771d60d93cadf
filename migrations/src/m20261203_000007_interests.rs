//! Adoption: organisations' interest in solutions and needs (Interessenbekundungen), the
//! bundlers that collect it for client organisations, thresholds that open a development
//! community once enough organisations signed, and the general per-organisation inbox of
//! notices (interest expressed, threshold reached, bundling proposed).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One organisation's interest in one solution or one need (exactly one of the two).
#[derive(DeriveIden)]
enum Interests {
    Table,
    Id,
    OrganisationId,
    SolutionId,
    NeedId,
    Level,
    PlannedStart,
    ExpectedSize,
    SizeUnit,
    Comment,
    /// The account that expressed (or last changed) it: a "signer".
    SubmittedBy,
    /// The bundling organisation that submitted it on the organisation's behalf.
    BundledBy,
    CreatedAt,
    UpdatedAt,
}

/// "From N interests of at least this level we start": set by the owner of the target (the
/// provider of a solution, the organisation of a need) or by a bundler for its clients.
#[derive(DeriveIden)]
enum InterestThresholds {
    Table,
    Id,
    OrganisationId,
    SolutionId,
    NeedId,
    Level,
    Count,
    SetBy,
    CreatedAt,
    ReachedAt,
    ChannelId,
}

/// "Bundles for": a bundling organisation collects the interest of a client organisation.
#[derive(DeriveIden)]
enum Bundlings {
    Table,
    Id,
    BundlerId,
    ClientId,
    State,
    ProposedBy,
    AnsweredBy,
    CreatedAt,
    AnsweredAt,
}

/// What an organisation's members are told (the live frame's record).
#[derive(DeriveIden)]
enum OrganisationNotices {
    Table,
    Id,
    OrganisationId,
    Event,
    SolutionId,
    NeedId,
    OtherOrganisationId,
    ChannelId,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Solutions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Needs {
    Table,
    Id,
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn fk(
    name: &str,
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
    to: impl IntoIden + 'static,
    to_col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn unique(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    cols: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(table).unique();
    for c in cols {
        idx.col(c);
    }
    m.create_index(idx.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Interests::Table)
                .col(id(Interests::Id))
                .col(
                    ColumnDef::new(Interests::OrganisationId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Interests::SolutionId).big_integer())
                .col(ColumnDef::new(Interests::NeedId).big_integer())
                .col(ColumnDef::new(Interests::Level).string_len(32).not_null())
                .col(ColumnDef::new(Interests::PlannedStart).date())
                .col(ColumnDef::new(Interests::ExpectedSize).double())
                .col(ColumnDef::new(Interests::SizeUnit).string_len(32))
                .col(ColumnDef::new(Interests::Comment).text().not_null())
                .col(
                    ColumnDef::new(Interests::SubmittedBy)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Interests::BundledBy).big_integer())
                .col(
                    ColumnDef::new(Interests::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Interests::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(&mut fk(
                    "fk_interests_organisation",
                    Interests::Table,
                    Interests::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    "fk_interests_solution",
                    Interests::Table,
                    Interests::SolutionId,
                    Solutions::Table,
                    Solutions::Id,
                ))
                .foreign_key(&mut fk(
                    "fk_interests_need",
                    Interests::Table,
                    Interests::NeedId,
                    Needs::Table,
                    Needs::Id,
                ))
                .foreign_key(&mut fk(
                    "fk_interests_bundler",
                    Interests::Table,
                    Interests::BundledBy,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        // One interest per organisation and target (NULLs never collide).
        unique(
            m,
            "ux_interests_solution",
            Interests::Table,
            vec![
                Interests::SolutionId.into_iden(),
                Interests::OrganisationId.into_iden(),
            ],
        )
        .await?;
        unique(
            m,
            "ux_interests_need",
            Interests::Table,
            vec![
                Interests::NeedId.into_iden(),
                Interests::OrganisationId.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(InterestThresholds::Table)
                .col(id(InterestThresholds::Id))
                .col(
                    ColumnDef::new(InterestThresholds::OrganisationId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(InterestThresholds::SolutionId).big_integer())
                .col(ColumnDef::new(InterestThresholds::NeedId).big_integer())
                .col(
                    ColumnDef::new(InterestThresholds::Level)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(InterestThresholds::Count)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(InterestThresholds::SetBy)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(InterestThresholds::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(InterestThresholds::ReachedAt).timestamp_with_time_zone())
                .col(ColumnDef::new(InterestThresholds::ChannelId).big_integer())
                .foreign_key(&mut fk(
                    "fk_interest_thresholds_organisation",
                    InterestThresholds::Table,
                    InterestThresholds::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    "fk_interest_thresholds_solution",
                    InterestThresholds::Table,
                    InterestThresholds::SolutionId,
                    Solutions::Table,
                    Solutions::Id,
                ))
                .foreign_key(&mut fk(
                    "fk_interest_thresholds_need",
                    InterestThresholds::Table,
                    InterestThresholds::NeedId,
                    Needs::Table,
                    Needs::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_interest_thresholds_solution",
            InterestThresholds::Table,
            vec![
                InterestThresholds::SolutionId.into_iden(),
                InterestThresholds::OrganisationId.into_iden(),
            ],
        )
        .await?;
        unique(
            m,
            "ux_interest_thresholds_need",
            InterestThresholds::Table,
            vec![
                InterestThresholds::NeedId.into_iden(),
                InterestThresholds::OrganisationId.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Bundlings::Table)
                .col(id(Bundlings::Id))
                .col(
                    ColumnDef::new(Bundlings::BundlerId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Bundlings::ClientId).big_integer().not_null())
                .col(ColumnDef::new(Bundlings::State).string_len(16).not_null())
                .col(
                    ColumnDef::new(Bundlings::ProposedBy)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Bundlings::AnsweredBy).big_integer())
                .col(
                    ColumnDef::new(Bundlings::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(Bundlings::AnsweredAt).timestamp_with_time_zone())
                .foreign_key(&mut fk(
                    "fk_bundlings_bundler",
                    Bundlings::Table,
                    Bundlings::BundlerId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .foreign_key(&mut fk(
                    "fk_bundlings_client",
                    Bundlings::Table,
                    Bundlings::ClientId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            m,
            "ux_bundlings",
            Bundlings::Table,
            vec![
                Bundlings::BundlerId.into_iden(),
                Bundlings::ClientId.into_iden(),
            ],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OrganisationNotices::Table)
                .col(id(OrganisationNotices::Id))
                .col(
                    ColumnDef::new(OrganisationNotices::OrganisationId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OrganisationNotices::Event)
                        .string_len(32)
                        .not_null(),
                )
                .col(ColumnDef::new(OrganisationNotices::SolutionId).big_integer())
                .col(ColumnDef::new(OrganisationNotices::NeedId).big_integer())
                .col(ColumnDef::new(OrganisationNotices::OtherOrganisationId).big_integer())
                .col(ColumnDef::new(OrganisationNotices::ChannelId).big_integer())
                .col(
                    ColumnDef::new(OrganisationNotices::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(OrganisationNotices::ReadAt).timestamp_with_time_zone())
                .foreign_key(&mut fk(
                    "fk_organisation_notices_organisation",
                    OrganisationNotices::Table,
                    OrganisationNotices::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_organisation_notices_organisation")
                .table(OrganisationNotices::Table)
                .col(OrganisationNotices::OrganisationId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            OrganisationNotices::Table.into_iden(),
            Bundlings::Table.into_iden(),
            InterestThresholds::Table.into_iden(),
            Interests::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
