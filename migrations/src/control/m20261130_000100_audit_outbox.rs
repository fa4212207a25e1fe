//! The administrative audit outbox: a change made in the control plane (a member created, a role
//! granted or taken, an organisation created, suspended or resumed) writes the record for the
//! organisation's audit trail into this table in the same transaction as the change itself. The
//! record is then delivered to the organisation's own trail — at once, and by the deadline worker
//! for whatever could not be delivered then — so a committed change always reaches the trail and
//! an uncommitted one never does.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditOutbox {
    Table,
    Id,
    TenantId,
    At,
    ActorUserId,
    Action,
    Entity,
    EntityId,
    Before,
    After,
    RequestId,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditOutbox::Table)
                    .if_not_exists()
                    .col(uuid(AuditOutbox::Id).primary_key())
                    .col(uuid(AuditOutbox::TenantId))
                    .col(timestamp_with_time_zone(AuditOutbox::At))
                    .col(uuid_null(AuditOutbox::ActorUserId))
                    .col(string_len(AuditOutbox::Action, 64))
                    .col(string_len(AuditOutbox::Entity, 64))
                    .col(uuid_null(AuditOutbox::EntityId))
                    .col(json_null(AuditOutbox::Before))
                    .col(json_null(AuditOutbox::After))
                    .col(string_len_null(AuditOutbox::RequestId, 128))
                    .col(timestamp_with_time_zone_null(AuditOutbox::DeliveredAt))
                    .to_owned(),
            )
            .await?;
        // What is still to deliver, per organisation, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("audit_outbox_pending")
                    .table(AuditOutbox::Table)
                    .col(AuditOutbox::TenantId)
                    .col(AuditOutbox::DeliveredAt)
                    .col(AuditOutbox::At)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditOutbox::Table).to_owned())
            .await
    }
}
