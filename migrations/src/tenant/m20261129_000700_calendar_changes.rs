//! The organisation's own changes to its production calendar («производственный календарь»): a
//! public holiday or a transferred working day added, or one of those removed. One row per change,
//! numbered by the organisation's calendar `revision` (1, 2, 3…; unique per tenant, so two writers
//! that read the same revision cannot both append the next one). Append-only: the history is the
//! table, and the organisation's current entries are its changes replayed in revision order.
//!
//! The unique index on `(tenant_id, revision)` also answers "what is the latest revision?" from
//! the index alone; every writing transaction that recomputes a case's obligations asks it.

use crate::rls::{enable_tenant_rls, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CalendarChanges {
    Table,
    Id,
    TenantId,
    Revision,
    Day,
    Kind,
    Action,
    Name,
    ChangedBy,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarChanges::Table)
                    .col(uuid(CalendarChanges::Id).primary_key())
                    .col(uuid(CalendarChanges::TenantId))
                    .col(integer(CalendarChanges::Revision))
                    .col(date(CalendarChanges::Day))
                    .col(string_len(CalendarChanges::Kind, 16))
                    .col(string_len(CalendarChanges::Action, 8))
                    .col(text(CalendarChanges::Name))
                    .col(uuid(CalendarChanges::ChangedBy))
                    .col(timestamp_with_time_zone(CalendarChanges::ChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("calendar_changes_revision")
                    .table(CalendarChanges::Table)
                    .col(CalendarChanges::TenantId)
                    .col(CalendarChanges::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("calendar_changes_by_day")
                    .table(CalendarChanges::Table)
                    .col(CalendarChanges::TenantId)
                    .col(CalendarChanges::Day)
                    .to_owned(),
            )
            .await?;
        enable_tenant_rls(manager, "calendar_changes").await?;
        grant_to_app(manager, "calendar_changes", "SELECT, INSERT").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarChanges::Table).to_owned())
            .await
    }
}
