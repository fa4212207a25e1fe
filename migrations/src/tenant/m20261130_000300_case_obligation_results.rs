//! `case_obligation_results`: every step deadline and recurring obligation of a case that has
//! fallen due or been met — its due instant and when it was met (none: missed) — as the method
//! engine computed it at the case's last change. A met obligation leaves `case_obligations`; this
//! keeps it, and keeps a deadline missed before the case closed, so that the organisation's share
//! of deadlines met on time (`deadlines_met_on_time`) is an aggregate over obligations due in a
//! month instead of a recomputation of every case.

use crate::rls::{enable_tenant_rls, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaseObligationResults {
    Table,
    TenantId,
    CaseId,
    Key,
    Kind,
    DueAt,
    MetAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CaseObligationResults::Table)
                    .col(uuid(CaseObligationResults::TenantId))
                    .col(uuid(CaseObligationResults::CaseId))
                    .col(string_len(CaseObligationResults::Key, 200))
                    .col(string_len(CaseObligationResults::Kind, 32))
                    .col(timestamp_with_time_zone(CaseObligationResults::DueAt))
                    .col(timestamp_with_time_zone_null(CaseObligationResults::MetAt))
                    .primary_key(
                        Index::create()
                            .col(CaseObligationResults::TenantId)
                            .col(CaseObligationResults::CaseId)
                            .col(CaseObligationResults::Key),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_obligation_results_by_due")
                    .table(CaseObligationResults::Table)
                    .col(CaseObligationResults::TenantId)
                    .col(CaseObligationResults::DueAt)
                    .to_owned(),
            )
            .await?;
        enable_tenant_rls(manager, "case_obligation_results").await?;
        grant_to_app(
            manager,
            "case_obligation_results",
            "SELECT, INSERT, UPDATE, DELETE",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CaseObligationResults::Table).to_owned())
            .await
    }
}
