use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A documented reuse check (Vorrangprüfung): a saved search of one organisation with the
/// outcome it led to. Editable until `closed_at` is set.
#[derive(DeriveIden)]
enum ReuseChecks {
    Table,
    Id,
    OrganisationId,
    CreatedBy,
    Title,
    ProblemText,
    Filters,
    OutcomeKind,
    OutcomeSolutionId,
    OutcomeChannelId,
    OutcomeLabel,
    OutcomeReason,
    /// The organisation agreed to show a "build new" outcome in the public demand radar.
    SharedInRadar,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
    ClosedBy,
}

/// A candidate shown by the search, as it was then (title, maturity, usages, score), with
/// the organisation's decision about it.
#[derive(DeriveIden)]
enum ReuseCheckCandidates {
    Table,
    Id,
    CheckId,
    Position,
    SolutionId,
    Title,
    Kind,
    Maturity,
    ProviderName,
    UsageCount,
    Score,
    Similarity,
    MatchedTerms,
    Decision,
    Reason,
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
                .table(ReuseChecks::Table)
                .col(
                    ColumnDef::new(ReuseChecks::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ReuseChecks::OrganisationId)
                        .big_integer()
                        .not_null(),
                )
                // The account that saved it; kept as a number when the account is deleted.
                .col(ColumnDef::new(ReuseChecks::CreatedBy).big_integer())
                .col(
                    ColumnDef::new(ReuseChecks::Title)
                        .string_len(300)
                        .not_null(),
                )
                .col(ColumnDef::new(ReuseChecks::ProblemText).text().not_null())
                .col(ColumnDef::new(ReuseChecks::Filters).text().not_null())
                .col(ColumnDef::new(ReuseChecks::OutcomeKind).string_len(32))
                .col(ColumnDef::new(ReuseChecks::OutcomeSolutionId).big_integer())
                .col(ColumnDef::new(ReuseChecks::OutcomeChannelId).big_integer())
                .col(ColumnDef::new(ReuseChecks::OutcomeLabel).string_len(300))
                .col(ColumnDef::new(ReuseChecks::OutcomeReason).text())
                .col(
                    ColumnDef::new(ReuseChecks::SharedInRadar)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(ReuseChecks::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ReuseChecks::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(ReuseChecks::ClosedAt).timestamp_with_time_zone())
                .col(ColumnDef::new(ReuseChecks::ClosedBy).big_integer())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_reuse_checks_organisation")
                        .from(ReuseChecks::Table, ReuseChecks::OrganisationId)
                        .to(Organisations::Table, Organisations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_reuse_checks_organisation")
                .table(ReuseChecks::Table)
                .col(ReuseChecks::OrganisationId)
                .col(ReuseChecks::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_reuse_checks_outcome")
                .table(ReuseChecks::Table)
                .col(ReuseChecks::OutcomeKind)
                .col(ReuseChecks::ClosedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ReuseCheckCandidates::Table)
                .col(
                    ColumnDef::new(ReuseCheckCandidates::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ReuseCheckCandidates::CheckId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ReuseCheckCandidates::Position)
                        .integer()
                        .not_null(),
                )
                // No foreign key: the record keeps what was shown even after the solution
                // left the catalogue.
                .col(
                    ColumnDef::new(ReuseCheckCandidates::SolutionId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ReuseCheckCandidates::Title)
                        .string_len(500)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ReuseCheckCandidates::Kind)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ReuseCheckCandidates::Maturity)
                        .string_len(32)
                        .not_null(),
                )
                .col(ColumnDef::new(ReuseCheckCandidates::ProviderName).string_len(300))
                .col(
                    ColumnDef::new(ReuseCheckCandidates::UsageCount)
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(ReuseCheckCandidates::Score).double())
                .col(ColumnDef::new(ReuseCheckCandidates::Similarity).double())
                .col(
                    ColumnDef::new(ReuseCheckCandidates::MatchedTerms)
                        .text()
                        .not_null(),
                )
                .col(ColumnDef::new(ReuseCheckCandidates::Decision).string_len(32))
                .col(ColumnDef::new(ReuseCheckCandidates::Reason).text())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_reuse_check_candidates_check")
                        .from(ReuseCheckCandidates::Table, ReuseCheckCandidates::CheckId)
                        .to(ReuseChecks::Table, ReuseChecks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_reuse_check_candidates")
                .table(ReuseCheckCandidates::Table)
                .col(ReuseCheckCandidates::CheckId)
                .col(ReuseCheckCandidates::SolutionId)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ReuseCheckCandidates::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ReuseChecks::Table).to_owned())
            .await
    }
}
