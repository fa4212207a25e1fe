//! The organisation's draft of its next method variant («черновик варианта технологии»): one
//! current draft per organisation, as the administrator saved it (TOML or JSON, already
//! validated), with a `version` counter for optimistic concurrency. Publishing turns it into an
//! immutable row of `variants` and clears it in the same transaction.

use crate::rls::{enable_tenant_rls, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum VariantDrafts {
    Table,
    TenantId,
    Format,
    Source,
    Document,
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
                    .table(VariantDrafts::Table)
                    .col(uuid(VariantDrafts::TenantId).primary_key())
                    .col(string_len(VariantDrafts::Format, 8))
                    .col(text(VariantDrafts::Source))
                    .col(json_binary_null(VariantDrafts::Document))
                    .col(integer(VariantDrafts::Version))
                    .col(timestamp_with_time_zone(VariantDrafts::UpdatedAt))
                    .col(uuid_null(VariantDrafts::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        enable_tenant_rls(manager, "variant_drafts").await?;
        grant_to_app(manager, "variant_drafts", "SELECT, INSERT, UPDATE").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VariantDrafts::Table).to_owned())
            .await
    }
}
