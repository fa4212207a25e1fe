//! Spending on a case (расходы по случаю): one row per spend, in minor units (kopecks, tiyn), with
//! its category from the method variant, the day it was spent and, above the yearly limit, the
//! decision record that approved it. Append-only: the application may add and read rows, never
//! change or remove them.
//!
//! Personal data: `note` (free text).

use crate::rls::{enable_tenant_rls, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaseSpending {
    Table,
    Id,
    TenantId,
    CaseId,
    AmountMinor,
    Currency,
    Category,
    SpentOn,
    Note,
    RecordedBy,
    ApprovalRecordId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CaseSpending::Table)
                    .col(uuid(CaseSpending::Id).primary_key())
                    .col(uuid(CaseSpending::TenantId))
                    .col(uuid(CaseSpending::CaseId))
                    .col(big_integer(CaseSpending::AmountMinor))
                    .col(string_len(CaseSpending::Currency, 3))
                    .col(string_len(CaseSpending::Category, 64))
                    .col(date(CaseSpending::SpentOn))
                    .col(text_null(CaseSpending::Note))
                    .col(uuid(CaseSpending::RecordedBy))
                    .col(uuid_null(CaseSpending::ApprovalRecordId))
                    .col(timestamp_with_time_zone(CaseSpending::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_spending_by_case")
                    .table(CaseSpending::Table)
                    .col(CaseSpending::TenantId)
                    .col(CaseSpending::CaseId)
                    .col(CaseSpending::SpentOn)
                    .to_owned(),
            )
            .await?;
        enable_tenant_rls(manager, "case_spending").await?;
        grant_to_app(manager, "case_spending", "SELECT, INSERT").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CaseSpending::Table).to_owned())
            .await
    }
}
