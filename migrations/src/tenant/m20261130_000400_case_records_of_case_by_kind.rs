//! Every change to a case rewrites its stored obligations from what the engine reads of its
//! record: its events, stages and schedules whole, and the times of its contacts
//! (`kurator_store::tenant::cases::entries_and_times`). An index that leads with the case, then
//! the kind of entry, its key and time, finds those entries without reading the rest of a long
//! record, and gives the contacts' times from the index alone: a contact written in a case's
//! third year does not read the notes of every visit before it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaseRecords {
    Table,
    TenantId,
    CaseId,
    Kind,
    Key,
    At,
}

/// The index's name, which statements on SQLite name (`INDEXED BY`).
const NAME: &str = "case_records_of_case_by_kind";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(CaseRecords::Table)
                    .col(CaseRecords::TenantId)
                    .col(CaseRecords::CaseId)
                    .col(CaseRecords::Kind)
                    .col(CaseRecords::Key)
                    .col(CaseRecords::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).to_owned())
            .await
    }
}
