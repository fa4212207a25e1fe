//! The supervisor's board and the worker read the organisation's active cases (intake, open,
//! post-support) by status: an index that leads with the status finds them without reading the
//! closed cases a large organisation keeps. A page's case teams are read by case: an index that
//! leads with the tenant and the case, so no planner reads every membership of the organisation.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    TenantId,
    Status,
    CuratorId,
}

#[derive(DeriveIden)]
enum CaseMembers {
    Table,
    TenantId,
    CaseId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("cases_by_status")
                    .table(Cases::Table)
                    .col(Cases::TenantId)
                    .col(Cases::Status)
                    .col(Cases::CuratorId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_members_of_case")
                    .table(CaseMembers::Table)
                    .col(CaseMembers::TenantId)
                    .col(CaseMembers::CaseId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("case_members_of_case").to_owned())
            .await?;
        manager
            .drop_index(Index::drop().name("cases_by_status").to_owned())
            .await
    }
}
