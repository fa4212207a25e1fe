//! The role the application works as on PostgreSQL. It owns no table and cannot bypass
//! row-level security: the tables belong to the role that runs migrations, and
//! `kurator_tenant_app` — a group role without login — gets only the privileges the application
//! needs. The audit trail gets no UPDATE or DELETE at all. A deployment grants this group role to
//! the login role its application connects as (`database.app_user`).

use crate::rls::{APP_ROLE, grant_to_app};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const READ_WRITE: &str = "SELECT, INSERT, UPDATE, DELETE";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        // Roles are shared by the whole server; tenants migrating side by side may race here.
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "DO $$ BEGIN
                     CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS;
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                 END $$;"
            ))
            .await?;
        manager
            .get_connection()
            .execute_unprepared(&format!("GRANT USAGE ON SCHEMA public TO {APP_ROLE};"))
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
            grant_to_app(manager, table, READ_WRITE).await?;
        }
        // Append-only: the application may add to the trail and read it, nothing more.
        grant_to_app(manager, "audit_log", "SELECT, INSERT").await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
