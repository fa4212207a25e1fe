//! A request to publish the variant draft that waits for a second administrator (the four-eyes
//! rule, an organisation setting): one row per organisation, naming the draft version the first
//! administrator approved, who and when. A draft saved since makes it stale.

use crate::rls::{enable_tenant_rls, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum VariantPublicationRequests {
    Table,
    TenantId,
    DraftVersion,
    RequestedBy,
    RequestedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(VariantPublicationRequests::Table)
                    .col(uuid(VariantPublicationRequests::TenantId).primary_key())
                    .col(integer(VariantPublicationRequests::DraftVersion))
                    .col(uuid(VariantPublicationRequests::RequestedBy))
                    .col(timestamp_with_time_zone(
                        VariantPublicationRequests::RequestedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        enable_tenant_rls(manager, "variant_publication_requests").await?;
        grant_to_app(
            manager,
            "variant_publication_requests",
            "SELECT, INSERT, UPDATE",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(VariantPublicationRequests::Table)
                    .to_owned(),
            )
            .await
    }
}
