//! Method roles held by people (роли по технологии): the organisation's administrator assigns
//! the variant's roles — senior curator, psychologist, coordinator, working-group member… — to
//! members, and a person may act only in a role they hold. Also: membership on a case gets an
//! end, so that a reassigned curator or a removed specialist loses access from that moment.

use crate::rls::{enable_tenant_rls, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StaffRoles {
    Table,
    TenantId,
    UserId,
    RoleKey,
    GrantedAt,
    GrantedBy,
}

#[derive(DeriveIden)]
enum CaseMembers {
    Table,
    EndedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffRoles::Table)
                    .col(uuid(StaffRoles::TenantId))
                    .col(uuid(StaffRoles::UserId))
                    .col(string_len(StaffRoles::RoleKey, 64))
                    .col(timestamp_with_time_zone(StaffRoles::GrantedAt))
                    .col(uuid_null(StaffRoles::GrantedBy))
                    .primary_key(
                        Index::create()
                            .col(StaffRoles::TenantId)
                            .col(StaffRoles::UserId)
                            .col(StaffRoles::RoleKey),
                    )
                    .to_owned(),
            )
            .await?;
        enable_tenant_rls(manager, "staff_roles").await?;
        grant_to_app(manager, "staff_roles", "SELECT, INSERT, DELETE").await?;

        manager
            .alter_table(
                Table::alter()
                    .table(CaseMembers::Table)
                    .add_column(timestamp_with_time_zone_null(CaseMembers::EndedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CaseMembers::Table)
                    .drop_column(CaseMembers::EndedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(StaffRoles::Table).to_owned())
            .await
    }
}
