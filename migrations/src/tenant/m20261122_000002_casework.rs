//! Case work: the tenant's published method variants (immutable, versioned), signals (the intake journal), cases, who works on them, the case record (steps,
//! events, contacts, monitoring, assessments — everything that happened, append-only), plans with
//! every revision, and idempotency keys for retried creations.
//!
//! Personal data — names, addresses, dates of birth, free-text notes — lives only in the JSON
//! columns `requester`, `subject`, `parents`, `grounds`, `family`, `data` and `title`/`result`.

use crate::rls::enable_tenant_rls;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Signals {
    Table,
    Id,
    TenantId,
    ReceivedAt,
    Source,
    Channel,
    Requester,
    Subject,
    Parents,
    Grounds,
    FollowUp,
    TakenBy,
    Triage,
    RiskBand,
    Status,
    Decision,
    CaseId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    TenantId,
    SignalId,
    Family,
    VariantKey,
    VariantVersion,
    Status,
    Stage,
    StageEnteredAt,
    CuratorId,
    Attributes,
    OpenedAt,
    ClosedAt,
    PostSupportUntil,
    Outcome,
    ParentCaseId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CaseMembers {
    Table,
    TenantId,
    CaseId,
    UserId,
    Kind,
    AddedAt,
}

#[derive(DeriveIden)]
enum CaseRecords {
    Table,
    Id,
    TenantId,
    CaseId,
    Kind,
    Key,
    At,
    Data,
    ActorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PlanRevisions {
    Table,
    Id,
    TenantId,
    CaseId,
    Number,
    MeetingDate,
    Participants,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PlanActions {
    Table,
    Id,
    TenantId,
    CaseId,
    RevisionId,
    Title,
    Deadline,
    Responsible,
    Owner,
    DoneAt,
    Result,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Variants {
    Table,
    TenantId,
    Key,
    Version,
    Document,
    PublishedAt,
    PublishedBy,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    TenantId,
    UserId,
    Key,
    Operation,
    EntityId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Signals::Table)
                    .col(uuid(Signals::Id).primary_key())
                    .col(uuid(Signals::TenantId))
                    .col(timestamp_with_time_zone(Signals::ReceivedAt))
                    .col(string_len(Signals::Source, 64))
                    .col(string_len(Signals::Channel, 64))
                    .col(json_binary(Signals::Requester))
                    .col(json_binary(Signals::Subject))
                    .col(json_binary(Signals::Parents))
                    .col(text(Signals::Grounds))
                    .col(text(Signals::FollowUp))
                    .col(uuid(Signals::TakenBy))
                    .col(json_binary_null(Signals::Triage))
                    .col(string_len_null(Signals::RiskBand, 32))
                    .col(string_len(Signals::Status, 32))
                    .col(json_binary_null(Signals::Decision))
                    .col(uuid_null(Signals::CaseId))
                    .col(integer(Signals::Version))
                    .col(timestamp_with_time_zone(Signals::CreatedAt))
                    .col(timestamp_with_time_zone(Signals::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("signals_by_status")
                    .table(Signals::Table)
                    .col(Signals::TenantId)
                    .col(Signals::Status)
                    .col(Signals::ReceivedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Cases::Table)
                    .col(uuid(Cases::Id).primary_key())
                    .col(uuid(Cases::TenantId))
                    .col(uuid_null(Cases::SignalId))
                    .col(json_binary(Cases::Family))
                    .col(string_len(Cases::VariantKey, 64))
                    .col(integer(Cases::VariantVersion))
                    .col(string_len(Cases::Status, 32))
                    .col(string_len(Cases::Stage, 64))
                    .col(timestamp_with_time_zone(Cases::StageEnteredAt))
                    .col(uuid_null(Cases::CuratorId))
                    .col(json_binary(Cases::Attributes))
                    .col(timestamp_with_time_zone(Cases::OpenedAt))
                    .col(timestamp_with_time_zone_null(Cases::ClosedAt))
                    .col(timestamp_with_time_zone_null(Cases::PostSupportUntil))
                    .col(json_binary_null(Cases::Outcome))
                    .col(uuid_null(Cases::ParentCaseId))
                    .col(integer(Cases::Version))
                    .col(timestamp_with_time_zone(Cases::CreatedAt))
                    .col(timestamp_with_time_zone(Cases::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cases_by_curator")
                    .table(Cases::Table)
                    .col(Cases::TenantId)
                    .col(Cases::CuratorId)
                    .col(Cases::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CaseMembers::Table)
                    .col(uuid(CaseMembers::TenantId))
                    .col(uuid(CaseMembers::CaseId))
                    .col(uuid(CaseMembers::UserId))
                    .col(string_len(CaseMembers::Kind, 32))
                    .col(timestamp_with_time_zone(CaseMembers::AddedAt))
                    .primary_key(
                        Index::create()
                            .col(CaseMembers::CaseId)
                            .col(CaseMembers::UserId)
                            .col(CaseMembers::Kind),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_members_by_user")
                    .table(CaseMembers::Table)
                    .col(CaseMembers::TenantId)
                    .col(CaseMembers::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CaseRecords::Table)
                    .col(uuid(CaseRecords::Id).primary_key())
                    .col(uuid(CaseRecords::TenantId))
                    .col(uuid(CaseRecords::CaseId))
                    .col(string_len(CaseRecords::Kind, 32))
                    .col(string_len(CaseRecords::Key, 64))
                    .col(timestamp_with_time_zone(CaseRecords::At))
                    .col(json_binary(CaseRecords::Data))
                    .col(uuid_null(CaseRecords::ActorId))
                    .col(timestamp_with_time_zone(CaseRecords::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_records_by_case")
                    .table(CaseRecords::Table)
                    .col(CaseRecords::TenantId)
                    .col(CaseRecords::CaseId)
                    .col(CaseRecords::At)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlanRevisions::Table)
                    .col(uuid(PlanRevisions::Id).primary_key())
                    .col(uuid(PlanRevisions::TenantId))
                    .col(uuid(PlanRevisions::CaseId))
                    .col(integer(PlanRevisions::Number))
                    .col(timestamp_with_time_zone(PlanRevisions::MeetingDate))
                    .col(json_binary(PlanRevisions::Participants))
                    .col(uuid(PlanRevisions::CreatedBy))
                    .col(timestamp_with_time_zone(PlanRevisions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("plan_revisions_unique_number")
                    .table(PlanRevisions::Table)
                    .col(PlanRevisions::TenantId)
                    .col(PlanRevisions::CaseId)
                    .col(PlanRevisions::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlanActions::Table)
                    .col(uuid(PlanActions::Id).primary_key())
                    .col(uuid(PlanActions::TenantId))
                    .col(uuid(PlanActions::CaseId))
                    .col(uuid(PlanActions::RevisionId))
                    .col(text(PlanActions::Title))
                    .col(timestamp_with_time_zone(PlanActions::Deadline))
                    .col(json_binary(PlanActions::Responsible))
                    .col(string_len(PlanActions::Owner, 32))
                    .col(timestamp_with_time_zone_null(PlanActions::DoneAt))
                    .col(text_null(PlanActions::Result))
                    .col(integer(PlanActions::Version))
                    .col(timestamp_with_time_zone(PlanActions::CreatedAt))
                    .col(timestamp_with_time_zone(PlanActions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("plan_actions_by_case")
                    .table(PlanActions::Table)
                    .col(PlanActions::TenantId)
                    .col(PlanActions::CaseId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::TenantId))
                    .col(uuid(IdempotencyKeys::UserId))
                    .col(string_len(IdempotencyKeys::Key, 128))
                    .col(string_len(IdempotencyKeys::Operation, 64))
                    .col(uuid(IdempotencyKeys::EntityId))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::TenantId)
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Variants::Table)
                    .col(uuid(Variants::TenantId))
                    .col(string_len(Variants::Key, 64))
                    .col(integer(Variants::Version))
                    .col(json_binary(Variants::Document))
                    .col(timestamp_with_time_zone(Variants::PublishedAt))
                    .col(uuid_null(Variants::PublishedBy))
                    .primary_key(
                        Index::create()
                            .col(Variants::TenantId)
                            .col(Variants::Key)
                            .col(Variants::Version),
                    )
                    .to_owned(),
            )
            .await?;

        for table in [
            "variants",
            "signals",
            "cases",
            "case_members",
            "case_records",
            "plan_revisions",
            "plan_actions",
            "idempotency_keys",
        ] {
            enable_tenant_rls(manager, table).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "variants",
            "idempotency_keys",
            "plan_actions",
            "plan_revisions",
            "case_records",
            "case_members",
            "cases",
            "signals",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
