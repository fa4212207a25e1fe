//! API tokens for an organisation's integrations: created by its administrator with one of the
//! organisation's roles as their scope and an expiry, kept only as the SHA-256 of the secret.

use crate::rls::{ensure_app_role, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    TenantId,
    Name,
    Role,
    SecretHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    RevokedBy,
}

#[derive(DeriveIden)]
enum Tenants {
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
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(uuid(ApiTokens::Id).primary_key())
                    .col(uuid(ApiTokens::TenantId))
                    .col(string_len(ApiTokens::Name, 120))
                    .col(string_len(ApiTokens::Role, 32))
                    .col(string_len(ApiTokens::SecretHash, 64).unique_key())
                    .col(uuid(ApiTokens::CreatedBy))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone(ApiTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .col(uuid_null(ApiTokens::RevokedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_tenant")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::TenantId)
                    .col(ApiTokens::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // The replicas create, read, mark used and revoke tokens as the application's role.
        ensure_app_role(manager).await?;
        grant_to_app(manager, "api_tokens", "SELECT, INSERT, UPDATE").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await
    }
}
