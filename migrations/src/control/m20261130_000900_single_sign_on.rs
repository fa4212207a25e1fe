//! Single sign-on per organisation (единый вход): each organisation's OpenID Connect provider —
//! kept in the control plane, because sign-in happens before any organisation's database is
//! opened and a password login must learn there whether the person's organisations require
//! single sign-on — the accounts bound to a provider's (issuer, subject), and the e-mail an
//! administrator recorded when inviting a person, by which a first sign-in is linked.

use crate::rls::{ensure_app_role, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OrganisationSso {
    Table,
    TenantId,
    Label,
    Issuer,
    ClientId,
    /// AES-256-GCM under the deployment's `auth.secrets_key`; never stored in clear.
    ClientSecretSealed,
    EmailClaim,
    NameClaim,
    /// JSON array of e-mail domains a first sign-in may be linked from (empty: any).
    AllowedDomains,
    /// JSON array of the roles whose holders may still sign in with a password.
    PasswordRoles,
    /// JSON array of host names and addresses the provider may be reached at even when they
    /// are private or loopback.
    AddressAllowlist,
    /// The provider's discovery document and its signing keys, fetched when the settings were
    /// saved.
    Metadata,
    Jwks,
    DiscoveredAt,
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SsoIdentities {
    Table,
    Issuer,
    Subject,
    UserId,
    TenantId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_len_null(Users::Email, 254))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_by_email")
                    .table(Users::Table)
                    .col(Users::Email)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganisationSso::Table)
                    .col(uuid(OrganisationSso::TenantId).primary_key())
                    .col(string_len(OrganisationSso::Label, 120))
                    .col(text(OrganisationSso::Issuer))
                    .col(string_len(OrganisationSso::ClientId, 255))
                    .col(text(OrganisationSso::ClientSecretSealed))
                    .col(string_len(OrganisationSso::EmailClaim, 32))
                    .col(string_len(OrganisationSso::NameClaim, 32))
                    .col(text(OrganisationSso::AllowedDomains))
                    .col(text(OrganisationSso::PasswordRoles))
                    .col(text(OrganisationSso::AddressAllowlist))
                    .col(text(OrganisationSso::Metadata))
                    .col(text(OrganisationSso::Jwks))
                    .col(timestamp_with_time_zone(OrganisationSso::DiscoveredAt))
                    .col(integer(OrganisationSso::Version).default(1))
                    .col(uuid(OrganisationSso::UpdatedBy))
                    .col(timestamp_with_time_zone(OrganisationSso::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganisationSso::Table, OrganisationSso::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SsoIdentities::Table)
                    .col(text(SsoIdentities::Issuer))
                    .col(string_len(SsoIdentities::Subject, 255))
                    .col(uuid(SsoIdentities::UserId))
                    .col(uuid(SsoIdentities::TenantId))
                    .col(timestamp_with_time_zone(SsoIdentities::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(SsoIdentities::Issuer)
                            .col(SsoIdentities::Subject),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SsoIdentities::Table, SsoIdentities::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SsoIdentities::Table, SsoIdentities::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The replicas keep both as the application's role.
        ensure_app_role(manager).await?;
        for table in ["organisation_sso", "sso_identities"] {
            grant_to_app(manager, table, "SELECT, INSERT, UPDATE, DELETE").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SsoIdentities::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(OrganisationSso::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("users_by_email")
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::Email)
                    .to_owned(),
            )
            .await
    }
}
