//! Accounts, organisation memberships, browser sessions, personal access tokens,
//! invitations and the audit log. Secrets (session ids, tokens, invitation codes) are
//! stored only as SHA-256 hex digests; passwords only as argon2id PHC strings.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    DisplayName,
    Role,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum OrganisationMembers {
    Table,
    Id,
    UserId,
    OrganisationId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Scopes,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    OrganisationId,
    TokenHash,
    Email,
    Role,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedBy,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    Action,
    Target,
    Detail,
}

fn id_col<T: IntoIden>(id: T) -> ColumnDef {
    let mut c = ColumnDef::new(id);
    c.big_integer().not_null().auto_increment().primary_key();
    c
}

fn ts<T: IntoIden>(col: T) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.timestamp_with_time_zone().not_null();
    c
}

fn index(
    name: &str,
    table: impl IntoIden + 'static,
    cols: &[DynIden],
    unique: bool,
) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c.clone());
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

fn fk_user(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(id_col(Users::Id))
                .col(ColumnDef::new(Users::Email).string_len(320).not_null())
                .col(
                    ColumnDef::new(Users::PasswordHash)
                        .string_len(255)
                        .not_null(),
                )
                .col(ColumnDef::new(Users::DisplayName).string_len(200))
                .col(ColumnDef::new(Users::Role).string_len(32).not_null())
                .col(ts(Users::CreatedAt))
                .col(ts(Users::UpdatedAt))
                .col(ColumnDef::new(Users::DeletedAt).timestamp_with_time_zone())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_users_email",
            Users::Table,
            &[Users::Email.into_iden()],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(OrganisationMembers::Table)
                .col(id_col(OrganisationMembers::Id))
                .col(
                    ColumnDef::new(OrganisationMembers::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OrganisationMembers::OrganisationId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OrganisationMembers::Role)
                        .string_len(32)
                        .not_null(),
                )
                .col(ts(OrganisationMembers::CreatedAt))
                .foreign_key(&mut fk_user(
                    "fk_members_user",
                    (OrganisationMembers::Table, OrganisationMembers::UserId),
                ))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_members_organisation")
                        .from(
                            OrganisationMembers::Table,
                            OrganisationMembers::OrganisationId,
                        )
                        .to(Organisations::Table, Organisations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_members_pair",
            OrganisationMembers::Table,
            &[
                OrganisationMembers::UserId.into_iden(),
                OrganisationMembers::OrganisationId.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_members_organisation",
            OrganisationMembers::Table,
            &[OrganisationMembers::OrganisationId.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(id_col(Sessions::Id))
                .col(
                    ColumnDef::new(Sessions::TokenHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(ColumnDef::new(Sessions::UserId).big_integer().not_null())
                .col(
                    ColumnDef::new(Sessions::CsrfToken)
                        .string_len(64)
                        .not_null(),
                )
                .col(ts(Sessions::CreatedAt))
                .col(ts(Sessions::ExpiresAt))
                .foreign_key(&mut fk_user(
                    "fk_sessions_user",
                    (Sessions::Table, Sessions::UserId),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_sessions_token",
            Sessions::Table,
            &[Sessions::TokenHash.into_iden()],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_sessions_user",
            Sessions::Table,
            &[Sessions::UserId.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(id_col(ApiTokens::Id))
                .col(ColumnDef::new(ApiTokens::UserId).big_integer().not_null())
                .col(ColumnDef::new(ApiTokens::Name).string_len(100).not_null())
                .col(
                    ColumnDef::new(ApiTokens::TokenHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(ColumnDef::new(ApiTokens::Scopes).text().not_null())
                .col(ts(ApiTokens::CreatedAt))
                .col(ColumnDef::new(ApiTokens::ExpiresAt).timestamp_with_time_zone())
                .col(ColumnDef::new(ApiTokens::RevokedAt).timestamp_with_time_zone())
                .foreign_key(&mut fk_user(
                    "fk_tokens_user",
                    (ApiTokens::Table, ApiTokens::UserId),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_tokens_hash",
            ApiTokens::Table,
            &[ApiTokens::TokenHash.into_iden()],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_tokens_user",
            ApiTokens::Table,
            &[ApiTokens::UserId.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Invitations::Table)
                .col(id_col(Invitations::Id))
                .col(
                    ColumnDef::new(Invitations::OrganisationId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Invitations::TokenHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(ColumnDef::new(Invitations::Email).string_len(320))
                .col(ColumnDef::new(Invitations::Role).string_len(32).not_null())
                .col(ColumnDef::new(Invitations::CreatedBy).big_integer())
                .col(ts(Invitations::CreatedAt))
                .col(ts(Invitations::ExpiresAt))
                .col(ColumnDef::new(Invitations::AcceptedBy).big_integer())
                .col(ColumnDef::new(Invitations::AcceptedAt).timestamp_with_time_zone())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_invitations_organisation")
                        .from(Invitations::Table, Invitations::OrganisationId)
                        .to(Organisations::Table, Organisations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_invitations_creator")
                        .from(Invitations::Table, Invitations::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_invitations_acceptor")
                        .from(Invitations::Table, Invitations::AcceptedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ux_invitations_token",
            Invitations::Table,
            &[Invitations::TokenHash.into_iden()],
            true,
        ))
        .await?;

        // No foreign key on the actor: the record outlives the account it names.
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(id_col(AuditLog::Id))
                .col(ts(AuditLog::At))
                .col(ColumnDef::new(AuditLog::ActorId).big_integer())
                .col(ColumnDef::new(AuditLog::Action).string_len(64).not_null())
                .col(ColumnDef::new(AuditLog::Target).string_len(300).not_null())
                .col(ColumnDef::new(AuditLog::Detail).text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_audit_at",
            AuditLog::Table,
            &[AuditLog::At.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "ix_audit_actor",
            AuditLog::Table,
            &[AuditLog::ActorId.into_iden()],
            false,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AuditLog::Table.into_iden(),
            Invitations::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            OrganisationMembers::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
