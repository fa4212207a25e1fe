//! The organisation's indicators read the closures and reopenings of a period across every case
//! (`kurator_store::tenant::cases::records_between`): an index that leads with the tenant and
//! the kind of entry, then its time, finds them without reading every case's record.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaseRecords {
    Table,
    TenantId,
    Kind,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("case_records_by_kind")
                    .table(CaseRecords::Table)
                    .col(CaseRecords::TenantId)
                    .col(CaseRecords::Kind)
                    .col(CaseRecords::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("case_records_by_kind").to_owned())
            .await
    }
}
