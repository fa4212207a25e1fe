//! What lists, the board and the deadline worker read instead of recomputing every case:
//!
//! - `case_obligations`: every open obligation of every case (step deadlines, recurring visits and
//!   contacts, stage and case duration limits) with its due instant, the instant its reminder
//!   window opens and its status as last advanced (`upcoming`, `due`, `overdue`). It is rewritten in
//!   the same transaction as each change to the case that affects it, and the worker advances the
//!   status as time passes. A met obligation leaves the table: the case's record keeps it.
//! - `cases.next_due_at`: the earliest due instant of the case's open obligations, so that
//!   «overdue» is a column comparison on the case row.
//! - `cases.number`: the case number people say and type (№ 1, 2, … per organisation), counted in
//!   `case_numbers`.
//! - `case_search_terms`: the words of the family's names, lower-cased, for search by surname.
//!   Personal data: the terms are words of names.
//! - indexes for a page of cases ordered by opening, for a curator's own cases and for a person's
//!   memberships.

use crate::rls::{enable_tenant_rls, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaseObligations {
    Table,
    TenantId,
    CaseId,
    Key,
    Kind,
    Subject,
    FromAt,
    DueAt,
    RemindAt,
    Status,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    TenantId,
    Id,
    OpenedAt,
    NextDueAt,
    Number,
}

#[derive(DeriveIden)]
enum CaseNumbers {
    Table,
    TenantId,
    Last,
}

#[derive(DeriveIden)]
enum CaseSearchTerms {
    Table,
    TenantId,
    Term,
    CaseId,
}

#[derive(DeriveIden)]
enum CaseMembers {
    Table,
    TenantId,
    UserId,
    EndedAt,
    CaseId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CaseObligations::Table)
                    .col(uuid(CaseObligations::TenantId))
                    .col(uuid(CaseObligations::CaseId))
                    .col(string_len(CaseObligations::Key, 200))
                    .col(string_len(CaseObligations::Kind, 32))
                    .col(string_len(CaseObligations::Subject, 128))
                    .col(timestamp_with_time_zone(CaseObligations::FromAt))
                    .col(timestamp_with_time_zone(CaseObligations::DueAt))
                    .col(timestamp_with_time_zone(CaseObligations::RemindAt))
                    .col(string_len(CaseObligations::Status, 16))
                    .col(timestamp_with_time_zone(CaseObligations::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(CaseObligations::TenantId)
                            .col(CaseObligations::CaseId)
                            .col(CaseObligations::Key),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, second, third) in [
            // the worker: what enters its reminder window, what falls overdue
            (
                "case_obligations_by_reminder",
                CaseObligations::Status,
                CaseObligations::RemindAt,
            ),
            (
                "case_obligations_by_due",
                CaseObligations::Status,
                CaseObligations::DueAt,
            ),
            // «due within N days» for one case
            (
                "case_obligations_of_case_by_due",
                CaseObligations::CaseId,
                CaseObligations::DueAt,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(CaseObligations::Table)
                        .col(CaseObligations::TenantId)
                        .col(second)
                        .col(third)
                        .to_owned(),
                )
                .await?;
        }
        enable_tenant_rls(manager, "case_obligations").await?;
        grant_to_app(
            manager,
            "case_obligations",
            "SELECT, INSERT, UPDATE, DELETE",
        )
        .await?;

        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(timestamp_with_time_zone_null(Cases::NextDueAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(big_integer_null(Cases::Number))
                    .to_owned(),
            )
            .await?;
        // Cases opened before numbering get their numbers in the order they were opened. The
        // owner is subject to row-level security too (FORCE): it steps aside for the backfill.
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        if postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE cases NO FORCE ROW LEVEL SECURITY")
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE cases SET number = (SELECT COUNT(*) FROM cases AS earlier \
                 WHERE earlier.tenant_id = cases.tenant_id \
                 AND (earlier.opened_at < cases.opened_at \
                 OR (earlier.opened_at = cases.opened_at AND earlier.id <= cases.id)))",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cases_unique_number")
                    .table(Cases::Table)
                    .col(Cases::TenantId)
                    .col(Cases::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cases_by_opening")
                    .table(Cases::Table)
                    .col(Cases::TenantId)
                    .col(Cases::OpenedAt)
                    .col(Cases::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cases_by_next_due")
                    .table(Cases::Table)
                    .col(Cases::TenantId)
                    .col(Cases::NextDueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_members_current_of_user")
                    .table(CaseMembers::Table)
                    .col(CaseMembers::TenantId)
                    .col(CaseMembers::UserId)
                    .col(CaseMembers::EndedAt)
                    .col(CaseMembers::CaseId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CaseNumbers::Table)
                    .col(uuid(CaseNumbers::TenantId).primary_key())
                    .col(big_integer(CaseNumbers::Last))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO case_numbers (tenant_id, last) \
                 SELECT tenant_id, MAX(number) FROM cases GROUP BY tenant_id",
            )
            .await?;
        if postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE cases FORCE ROW LEVEL SECURITY")
                .await?;
        }
        enable_tenant_rls(manager, "case_numbers").await?;
        grant_to_app(manager, "case_numbers", "SELECT, INSERT, UPDATE").await?;

        manager
            .create_table(
                Table::create()
                    .table(CaseSearchTerms::Table)
                    .col(uuid(CaseSearchTerms::TenantId))
                    .col({
                        // Byte order, so that a prefix is a range of the index on both backends.
                        let mut term = string_len(CaseSearchTerms::Term, 100);
                        if postgres {
                            term.extra("COLLATE \"C\"");
                        }
                        term
                    })
                    .col(uuid(CaseSearchTerms::CaseId))
                    .primary_key(
                        Index::create()
                            .col(CaseSearchTerms::TenantId)
                            .col(CaseSearchTerms::Term)
                            .col(CaseSearchTerms::CaseId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_search_terms_of_case")
                    .table(CaseSearchTerms::Table)
                    .col(CaseSearchTerms::TenantId)
                    .col(CaseSearchTerms::CaseId)
                    .to_owned(),
            )
            .await?;
        enable_tenant_rls(manager, "case_search_terms").await?;
        grant_to_app(manager, "case_search_terms", "SELECT, INSERT, DELETE").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["case_search_terms", "case_numbers", "case_obligations"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        for index in [
            "case_members_current_of_user",
            "cases_by_next_due",
            "cases_by_opening",
            "cases_unique_number",
        ] {
            manager
                .drop_index(Index::drop().name(index).to_owned())
                .await?;
        }
        Ok(())
    }
}
