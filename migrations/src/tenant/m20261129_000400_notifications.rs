//! What the deadline worker writes (уведомления и напоминания):
//!
//! - `notification_marks`: what the worker has already planned messages for — an obligation in a
//!   status for its due instant (`case_id`, key, `due`/`overdue`, due instant), a case's
//!   escalation, a person's digest for a day. Written in the same transaction as the messages, so
//!   a reminder is planned once per obligation and period, whatever the replicas or restarts.
//! - `notifications`: in-app messages, each for one person, with the instant they read it.
//! - `notification_outbox`: messages for the channels outside the database (e-mail, webhooks),
//!   written in the same transaction as the mark, then delivered; one row per (what, period,
//!   channel, recipient) by a unique key, claimed before sending so no two workers send it.
//! - `webhooks` and `webhook_attempts`: the organisation's outbound webhooks and every delivery
//!   attempt, which its administrator reads.
//!
//! No personal data of families: a case number, an obligation's key and a link.

use crate::rls::{enable_tenant_rls, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationMarks {
    Table,
    TenantId,
    SubjectId,
    Key,
    Status,
    At,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    TenantId,
    Id,
    UserId,
    Kind,
    CaseId,
    CaseNumber,
    Title,
    Body,
    Link,
    DedupKey,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum NotificationOutbox {
    Table,
    TenantId,
    Id,
    DedupKey,
    Channel,
    Recipient,
    UserId,
    Kind,
    Subject,
    Body,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    TenantId,
    Id,
    Url,
    Secret,
    Active,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    TenantId,
    Id,
    OutboxId,
    WebhookId,
    Attempt,
    AttemptedAt,
    StatusCode,
    Ok,
    Error,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationMarks::Table)
                    .col(uuid(NotificationMarks::TenantId))
                    .col(uuid(NotificationMarks::SubjectId))
                    .col(string_len(NotificationMarks::Key, 200))
                    .col(string_len(NotificationMarks::Status, 32))
                    .col(timestamp_with_time_zone(NotificationMarks::At))
                    .col(timestamp_with_time_zone(NotificationMarks::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(NotificationMarks::TenantId)
                            .col(NotificationMarks::SubjectId)
                            .col(NotificationMarks::Key)
                            .col(NotificationMarks::Status)
                            .col(NotificationMarks::At),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(uuid(Notifications::TenantId))
                    .col(uuid(Notifications::Id).primary_key())
                    .col(uuid(Notifications::UserId))
                    .col(string_len(Notifications::Kind, 32))
                    .col(uuid_null(Notifications::CaseId))
                    .col(big_integer_null(Notifications::CaseNumber))
                    .col(string_len(Notifications::Title, 300))
                    .col(text(Notifications::Body))
                    .col(string_len(Notifications::Link, 500))
                    .col(string_len(Notifications::DedupKey, 400))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notifications_unique_key")
                    .table(Notifications::Table)
                    .col(Notifications::TenantId)
                    .col(Notifications::DedupKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notifications_of_user")
                    .table(Notifications::Table)
                    .col(Notifications::TenantId)
                    .col(Notifications::UserId)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notifications_unread_of_user")
                    .table(Notifications::Table)
                    .col(Notifications::TenantId)
                    .col(Notifications::UserId)
                    .col(Notifications::ReadAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NotificationOutbox::Table)
                    .col(uuid(NotificationOutbox::TenantId))
                    .col(uuid(NotificationOutbox::Id).primary_key())
                    .col(string_len(NotificationOutbox::DedupKey, 400))
                    .col(string_len(NotificationOutbox::Channel, 16))
                    .col(string_len(NotificationOutbox::Recipient, 300))
                    .col(uuid_null(NotificationOutbox::UserId))
                    .col(string_len(NotificationOutbox::Kind, 32))
                    .col(string_len(NotificationOutbox::Subject, 300))
                    .col(text(NotificationOutbox::Body))
                    .col(json(NotificationOutbox::Payload))
                    .col(string_len(NotificationOutbox::Status, 16))
                    .col(integer(NotificationOutbox::Attempts))
                    .col(timestamp_with_time_zone(NotificationOutbox::NextAttemptAt))
                    .col(string_len_null(NotificationOutbox::ClaimedBy, 64))
                    .col(text_null(NotificationOutbox::LastError))
                    .col(timestamp_with_time_zone(NotificationOutbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(NotificationOutbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notification_outbox_unique_key")
                    .table(NotificationOutbox::Table)
                    .col(NotificationOutbox::TenantId)
                    .col(NotificationOutbox::DedupKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notification_outbox_pending")
                    .table(NotificationOutbox::Table)
                    .col(NotificationOutbox::TenantId)
                    .col(NotificationOutbox::Status)
                    .col(NotificationOutbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(uuid(Webhooks::TenantId))
                    .col(uuid(Webhooks::Id).primary_key())
                    .col(string_len(Webhooks::Url, 2000))
                    .col(string_len(Webhooks::Secret, 200))
                    .col(boolean(Webhooks::Active))
                    .col(uuid(Webhooks::CreatedBy))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(uuid(WebhookAttempts::TenantId))
                    .col(uuid(WebhookAttempts::Id).primary_key())
                    .col(uuid(WebhookAttempts::OutboxId))
                    .col(uuid(WebhookAttempts::WebhookId))
                    .col(integer(WebhookAttempts::Attempt))
                    .col(timestamp_with_time_zone(WebhookAttempts::AttemptedAt))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(boolean(WebhookAttempts::Ok))
                    .col(text_null(WebhookAttempts::Error))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_attempts_by_time")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::TenantId)
                    .col(WebhookAttempts::Id)
                    .to_owned(),
            )
            .await?;

        for (table, privileges) in [
            ("notification_marks", "SELECT, INSERT"),
            ("notifications", "SELECT, INSERT, UPDATE"),
            ("notification_outbox", "SELECT, INSERT, UPDATE"),
            ("webhooks", "SELECT, INSERT, UPDATE, DELETE"),
            ("webhook_attempts", "SELECT, INSERT"),
        ] {
            enable_tenant_rls(manager, table).await?;
            grant_to_app(manager, table, privileges).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "webhook_attempts",
            "webhooks",
            "notification_outbox",
            "notifications",
            "notification_marks",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
