//! The organisation's settings (настройки организации), changed by its administrator: one row
//! per tenant, versioned like every other record.

use crate::rls::{enable_tenant_rls, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TenantSettings {
    Table,
    TenantId,
    Settings,
    Version,
    UpdatedAt,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TenantSettings::Table)
                    .col(uuid(TenantSettings::TenantId).primary_key())
                    .col(json_binary(TenantSettings::Settings))
                    .col(integer(TenantSettings::Version))
                    .col(timestamp_with_time_zone(TenantSettings::UpdatedAt))
                    .col(uuid_null(TenantSettings::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        enable_tenant_rls(manager, "tenant_settings").await?;
        grant_to_app(manager, "tenant_settings", "SELECT, INSERT, UPDATE").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TenantSettings::Table).to_owned())
            .await
    }
}
