//! The role the application works as on PostgreSQL. It owns no table and cannot bypass
//! row-level security: the tables belong to the role that runs migrations, and
//! `kurator_tenant_app` — a group role without login — gets only the privileges the application
//! needs. The audit trail gets no UPDATE or DELETE at all. A deployment grants this group role to
//! the login role its application connects as (`database.app_user`).

use crate::rls::{ensure_app_role, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const READ_WRITE: &str = "SELECT, INSERT, UPDATE, DELETE";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        ensure_app_role(manager).await?;
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
            grant_to_app(manager, table, READ_WRITE).await?;
        }
        // Append-only: the application may add to the trail and read it, nothing more.
        grant_to_app(manager, "audit_log", "SELECT, INSERT").await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
