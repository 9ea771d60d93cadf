use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Name,
    Kind,
    Land,
    RegionCode,
    Website,
    Email,
    Description,
    Source,
    SourceId,
    Extra,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Solutions {
    Table,
    Id,
    Title,
    Summary,
    Description,
    Kind,
    Maturity,
    ReuseModel,
    Licence,
    CostsModel,
    Standards,
    Hosting,
    OzgIds,
    LeikaKeys,
    Themenfeld,
    Lebenslage,
    Tags,
    Languages,
    Url,
    CodeUrl,
    DocumentationUrl,
    TransferConceptUrl,
    ProviderId,
    Contacts,
    LastVerifiedAt,
    Completeness,
    Source,
    SourceId,
    Extra,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SolutionUsages {
    Table,
    Id,
    SolutionId,
    OrganisationId,
    Since,
    Context,
    Status,
    Experience,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Needs {
    Table,
    Id,
    OrganisationId,
    Title,
    Description,
    Status,
    Visibility,
    CreatedAt,
    UpdatedAt,
}

fn timestamps<T: IntoIden>(t: &mut TableCreateStatement, created: T, updated: T) {
    t.col(
        ColumnDef::new(created)
            .timestamp_with_time_zone()
            .not_null(),
    )
    .col(
        ColumnDef::new(updated)
            .timestamp_with_time_zone()
            .not_null(),
    );
}

fn id_col<T: IntoIden>(id: T) -> ColumnDef {
    let mut c = ColumnDef::new(id);
    c.big_integer().not_null().auto_increment().primary_key();
    c
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut orgs = Table::create();
        orgs.table(Organisations::Table)
            .col(id_col(Organisations::Id))
            .col(
                ColumnDef::new(Organisations::Name)
                    .string_len(300)
                    .not_null(),
            )
            .col(
                ColumnDef::new(Organisations::Kind)
                    .string_len(32)
                    .not_null(),
            )
            .col(ColumnDef::new(Organisations::Land).string_len(64))
            .col(ColumnDef::new(Organisations::RegionCode).string_len(16))
            .col(ColumnDef::new(Organisations::Website).string_len(2048))
            .col(ColumnDef::new(Organisations::Email).string_len(320))
            .col(ColumnDef::new(Organisations::Description).text())
            .col(ColumnDef::new(Organisations::Source).string_len(64))
            .col(ColumnDef::new(Organisations::SourceId).string_len(512))
            .col(ColumnDef::new(Organisations::Extra).text().not_null());
        timestamps(
            &mut orgs,
            Organisations::CreatedAt,
            Organisations::UpdatedAt,
        );
        m.create_table(orgs).await?;
        m.create_index(
            Index::create()
                .name("ux_organisations_source")
                .table(Organisations::Table)
                .col(Organisations::Source)
                .col(Organisations::SourceId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_organisations_name")
                .table(Organisations::Table)
                .col(Organisations::Name)
                .to_owned(),
        )
        .await?;

        let mut sol = Table::create();
        sol.table(Solutions::Table)
            .col(id_col(Solutions::Id))
            .col(ColumnDef::new(Solutions::Title).string_len(500).not_null())
            .col(ColumnDef::new(Solutions::Summary).text())
            .col(ColumnDef::new(Solutions::Description).text())
            .col(ColumnDef::new(Solutions::Kind).string_len(32).not_null())
            .col(
                ColumnDef::new(Solutions::Maturity)
                    .string_len(32)
                    .not_null(),
            )
            .col(ColumnDef::new(Solutions::ReuseModel).string_len(32))
            .col(ColumnDef::new(Solutions::Licence).string_len(200))
            .col(ColumnDef::new(Solutions::CostsModel).string_len(32))
            .col(ColumnDef::new(Solutions::Standards).text().not_null())
            .col(ColumnDef::new(Solutions::Hosting).string_len(200))
            .col(ColumnDef::new(Solutions::OzgIds).text().not_null())
            .col(ColumnDef::new(Solutions::LeikaKeys).text().not_null())
            .col(ColumnDef::new(Solutions::Themenfeld).string_len(200))
            .col(ColumnDef::new(Solutions::Lebenslage).string_len(200))
            .col(ColumnDef::new(Solutions::Tags).text().not_null())
            .col(ColumnDef::new(Solutions::Languages).text().not_null())
            .col(ColumnDef::new(Solutions::Url).string_len(2048))
            .col(ColumnDef::new(Solutions::CodeUrl).string_len(2048))
            .col(ColumnDef::new(Solutions::DocumentationUrl).string_len(2048))
            .col(ColumnDef::new(Solutions::TransferConceptUrl).string_len(2048))
            .col(ColumnDef::new(Solutions::ProviderId).big_integer())
            .col(ColumnDef::new(Solutions::Contacts).text().not_null())
            .col(ColumnDef::new(Solutions::LastVerifiedAt).timestamp_with_time_zone())
            .col(ColumnDef::new(Solutions::Completeness).double().not_null())
            .col(ColumnDef::new(Solutions::Source).string_len(64))
            .col(ColumnDef::new(Solutions::SourceId).string_len(512))
            .col(ColumnDef::new(Solutions::Extra).text().not_null())
            .foreign_key(
                ForeignKey::create()
                    .name("fk_solutions_provider")
                    .from(Solutions::Table, Solutions::ProviderId)
                    .to(Organisations::Table, Organisations::Id)
                    .on_delete(ForeignKeyAction::SetNull),
            );
        timestamps(&mut sol, Solutions::CreatedAt, Solutions::UpdatedAt);
        m.create_table(sol).await?;
        m.create_index(
            Index::create()
                .name("ux_solutions_source")
                .table(Solutions::Table)
                .col(Solutions::Source)
                .col(Solutions::SourceId)
                .unique()
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_solutions_kind", Solutions::Kind),
            ("ix_solutions_maturity", Solutions::Maturity),
            ("ix_solutions_provider", Solutions::ProviderId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Solutions::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        let mut usage = Table::create();
        usage
            .table(SolutionUsages::Table)
            .col(id_col(SolutionUsages::Id))
            .col(
                ColumnDef::new(SolutionUsages::SolutionId)
                    .big_integer()
                    .not_null(),
            )
            .col(
                ColumnDef::new(SolutionUsages::OrganisationId)
                    .big_integer()
                    .not_null(),
            )
            .col(ColumnDef::new(SolutionUsages::Since).date())
            .col(ColumnDef::new(SolutionUsages::Context).text())
            .col(
                ColumnDef::new(SolutionUsages::Status)
                    .string_len(32)
                    .not_null(),
            )
            .col(ColumnDef::new(SolutionUsages::Experience).text())
            .foreign_key(
                ForeignKey::create()
                    .name("fk_usages_solution")
                    .from(SolutionUsages::Table, SolutionUsages::SolutionId)
                    .to(Solutions::Table, Solutions::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_usages_organisation")
                    .from(SolutionUsages::Table, SolutionUsages::OrganisationId)
                    .to(Organisations::Table, Organisations::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        timestamps(
            &mut usage,
            SolutionUsages::CreatedAt,
            SolutionUsages::UpdatedAt,
        );
        m.create_table(usage).await?;
        m.create_index(
            Index::create()
                .name("ux_usages_pair")
                .table(SolutionUsages::Table)
                .col(SolutionUsages::SolutionId)
                .col(SolutionUsages::OrganisationId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_usages_organisation")
                .table(SolutionUsages::Table)
                .col(SolutionUsages::OrganisationId)
                .to_owned(),
        )
        .await?;

        let mut needs = Table::create();
        needs
            .table(Needs::Table)
            .col(id_col(Needs::Id))
            .col(
                ColumnDef::new(Needs::OrganisationId)
                    .big_integer()
                    .not_null(),
            )
            .col(ColumnDef::new(Needs::Title).string_len(500).not_null())
            .col(ColumnDef::new(Needs::Description).text().not_null())
            .col(ColumnDef::new(Needs::Status).string_len(32).not_null())
            .col(ColumnDef::new(Needs::Visibility).string_len(32).not_null())
            .foreign_key(
                ForeignKey::create()
                    .name("fk_needs_organisation")
                    .from(Needs::Table, Needs::OrganisationId)
                    .to(Organisations::Table, Organisations::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        timestamps(&mut needs, Needs::CreatedAt, Needs::UpdatedAt);
        m.create_table(needs).await?;
        m.create_index(
            Index::create()
                .name("ix_needs_organisation")
                .table(Needs::Table)
                .col(Needs::OrganisationId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Needs::Table.into_iden(),
            SolutionUsages::Table.into_iden(),
            Solutions::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
