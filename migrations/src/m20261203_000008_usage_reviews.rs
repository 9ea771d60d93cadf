//! Verified usages (claimed → confirmed/rejected, re-confirmation), structured experience
//! reports on a usage, and the register of shared reviews ("Einer prüft für alle").
//!
//! Existing usages become `claimed` from an `import`: nobody of the using organisation has
//! confirmed them yet, so they are never shown as facts.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SolutionUsages {
    Table,
    Id,
    Verification,
    Origin,
    Version,
    ClaimedBy,
    DecidedBy,
    DecidedAt,
    ReconfirmDueAt,
}

#[derive(DeriveIden)]
enum UsageExperiences {
    Table,
    Id,
    UsageId,
    AuthorId,
    Context,
    EffortPersonDays,
    CostOneOffEur,
    CostRecurringEur,
    CostPerCaseEur,
    WentWell,
    Pitfalls,
    IntegrationNotes,
    WillingToTalk,
    Contact,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    SolutionId,
    Version,
    Kind,
    OrganisationId,
    ReviewedOn,
    ValidUntil,
    Summary,
    Link,
    Visibility,
    FileName,
    FileType,
    FileSize,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReviewFiles {
    Table,
    ReviewId,
    Content,
}

#[derive(DeriveIden)]
enum ReviewReuses {
    Table,
    Id,
    ReviewId,
    OrganisationId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Solutions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

fn id_col<T: IntoIden>(id: T) -> ColumnDef {
    let mut c = ColumnDef::new(id);
    c.big_integer().not_null().auto_increment().primary_key();
    c
}

fn at<T: IntoIden>(c: T) -> ColumnDef {
    let mut c = ColumnDef::new(c);
    c.timestamp_with_time_zone().not_null();
    c
}

fn cascade(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            ColumnDef::new(SolutionUsages::Verification)
                .string_len(16)
                .not_null()
                .default("claimed")
                .to_owned(),
            ColumnDef::new(SolutionUsages::Origin)
                .string_len(16)
                .not_null()
                .default("import")
                .to_owned(),
            ColumnDef::new(SolutionUsages::Version)
                .string_len(100)
                .to_owned(),
            ColumnDef::new(SolutionUsages::ClaimedBy)
                .big_integer()
                .to_owned(),
            ColumnDef::new(SolutionUsages::DecidedBy)
                .big_integer()
                .to_owned(),
            ColumnDef::new(SolutionUsages::DecidedAt)
                .timestamp_with_time_zone()
                .to_owned(),
            ColumnDef::new(SolutionUsages::ReconfirmDueAt)
                .timestamp_with_time_zone()
                .to_owned(),
        ];
        for mut c in columns {
            m.alter_table(
                Table::alter()
                    .table(SolutionUsages::Table)
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(UsageExperiences::Table)
                .col(id_col(UsageExperiences::Id))
                .col(
                    ColumnDef::new(UsageExperiences::UsageId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(UsageExperiences::AuthorId).big_integer())
                .col(ColumnDef::new(UsageExperiences::Context).text())
                .col(ColumnDef::new(UsageExperiences::EffortPersonDays).double())
                .col(ColumnDef::new(UsageExperiences::CostOneOffEur).double())
                .col(ColumnDef::new(UsageExperiences::CostRecurringEur).double())
                .col(ColumnDef::new(UsageExperiences::CostPerCaseEur).double())
                .col(ColumnDef::new(UsageExperiences::WentWell).text())
                .col(ColumnDef::new(UsageExperiences::Pitfalls).text())
                .col(ColumnDef::new(UsageExperiences::IntegrationNotes).text())
                .col(
                    ColumnDef::new(UsageExperiences::WillingToTalk)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(ColumnDef::new(UsageExperiences::Contact).string_len(300))
                .col(at(UsageExperiences::CreatedAt))
                .col(at(UsageExperiences::UpdatedAt))
                .foreign_key(&mut cascade(
                    "fk_usage_experiences_usage",
                    (UsageExperiences::Table, UsageExperiences::UsageId),
                    (SolutionUsages::Table, SolutionUsages::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_usage_experiences_usage")
                .table(UsageExperiences::Table)
                .col(UsageExperiences::UsageId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Reviews::Table)
                .col(id_col(Reviews::Id))
                .col(ColumnDef::new(Reviews::SolutionId).big_integer().not_null())
                .col(ColumnDef::new(Reviews::Version).string_len(100))
                .col(ColumnDef::new(Reviews::Kind).string_len(32).not_null())
                .col(
                    ColumnDef::new(Reviews::OrganisationId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Reviews::ReviewedOn).date().not_null())
                .col(ColumnDef::new(Reviews::ValidUntil).date())
                .col(ColumnDef::new(Reviews::Summary).text().not_null())
                .col(ColumnDef::new(Reviews::Link).string_len(2000))
                .col(
                    ColumnDef::new(Reviews::Visibility)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(Reviews::FileName).string_len(255))
                .col(ColumnDef::new(Reviews::FileType).string_len(100))
                .col(ColumnDef::new(Reviews::FileSize).big_integer())
                .col(ColumnDef::new(Reviews::CreatedBy).big_integer())
                .col(at(Reviews::CreatedAt))
                .col(at(Reviews::UpdatedAt))
                .foreign_key(&mut cascade(
                    "fk_reviews_solution",
                    (Reviews::Table, Reviews::SolutionId),
                    (Solutions::Table, Solutions::Id),
                ))
                .foreign_key(&mut cascade(
                    "fk_reviews_organisation",
                    (Reviews::Table, Reviews::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_reviews_solution")
                .table(Reviews::Table)
                .col(Reviews::SolutionId)
                .to_owned(),
        )
        .await?;

        // The file apart from its metadata, so that lists never load it.
        m.create_table(
            Table::create()
                .table(ReviewFiles::Table)
                .col(
                    ColumnDef::new(ReviewFiles::ReviewId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(ReviewFiles::Content).binary().not_null())
                .foreign_key(&mut cascade(
                    "fk_review_files_review",
                    (ReviewFiles::Table, ReviewFiles::ReviewId),
                    (Reviews::Table, Reviews::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ReviewReuses::Table)
                .col(id_col(ReviewReuses::Id))
                .col(
                    ColumnDef::new(ReviewReuses::ReviewId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ReviewReuses::OrganisationId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(ReviewReuses::UserId).big_integer())
                .col(at(ReviewReuses::CreatedAt))
                .foreign_key(&mut cascade(
                    "fk_review_reuses_review",
                    (ReviewReuses::Table, ReviewReuses::ReviewId),
                    (Reviews::Table, Reviews::Id),
                ))
                .foreign_key(&mut cascade(
                    "fk_review_reuses_organisation",
                    (ReviewReuses::Table, ReviewReuses::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_review_reuses")
                .table(ReviewReuses::Table)
                .col(ReviewReuses::ReviewId)
                .col(ReviewReuses::OrganisationId)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ReviewReuses::Table.into_iden(),
            ReviewFiles::Table.into_iden(),
            Reviews::Table.into_iden(),
            UsageExperiences::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        for c in [
            SolutionUsages::Verification.into_iden(),
            SolutionUsages::Origin.into_iden(),
            SolutionUsages::Version.into_iden(),
            SolutionUsages::ClaimedBy.into_iden(),
            SolutionUsages::DecidedBy.into_iden(),
            SolutionUsages::DecidedAt.into_iden(),
            SolutionUsages::ReconfirmDueAt.into_iden(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(SolutionUsages::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
