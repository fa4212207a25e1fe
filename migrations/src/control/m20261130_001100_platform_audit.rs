//! The platform's own audit trail (журнал действий платформы): changes made on the platform as a
//! whole — a methodologist of the platform appointed or relieved, an organisation created,
//! suspended or resumed — with who, when, what and the values before and after, written in the
//! same transaction as the change. It belongs to no organisation (an organisation's own trail
//! lives in its database, see `audit_outbox`). Append-only: the database itself refuses updates
//! and deletes, and the application's role is granted only to read and add.

use crate::rls::{ensure_app_role, grant_to_app, make_append_only};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PlatformAudit {
    Table,
    Id,
    At,
    ActorUserId,
    Action,
    Entity,
    EntityId,
    Before,
    After,
    RequestId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlatformAudit::Table)
                    .if_not_exists()
                    .col(uuid(PlatformAudit::Id).primary_key())
                    .col(timestamp_with_time_zone(PlatformAudit::At))
                    .col(uuid_null(PlatformAudit::ActorUserId))
                    .col(string_len(PlatformAudit::Action, 64))
                    .col(string_len(PlatformAudit::Entity, 64))
                    .col(uuid_null(PlatformAudit::EntityId))
                    .col(json_binary_null(PlatformAudit::Before))
                    .col(json_binary_null(PlatformAudit::After))
                    .col(string_len_null(PlatformAudit::RequestId, 128))
                    .to_owned(),
            )
            .await?;
        // Pages of the trail, newest first, continue behind the last entry read: (at, id).
        manager
            .create_index(
                Index::create()
                    .name("platform_audit_by_time")
                    .table(PlatformAudit::Table)
                    .col(PlatformAudit::At)
                    .col(PlatformAudit::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        make_append_only(manager, "platform_audit").await?;
        // The replicas add entries and read them as the application's role; they never change
        // or remove one.
        ensure_app_role(manager).await?;
        grant_to_app(manager, "platform_audit", "SELECT, INSERT").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlatformAudit::Table).to_owned())
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS platform_audit_append_only();")
                .await?;
        }
        Ok(())
    }
}
