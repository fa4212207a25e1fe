//! The control plane as the application's role sees it on PostgreSQL: the replicas read and write
//! the control plane (organisations, people, roles, preferences, the audit outbox) as the login
//! role of `database.app_user`, a member of `kurator_tenant_app`, which owns nothing and may not
//! change the schema; the tables belong to the role `kurator migrate` runs as. Every control-plane
//! table a later migration creates grants its privileges here too.

use crate::rls::{ensure_app_role, grant_to_app};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Control-plane tables and what the application does with them.
const GRANTS: &[(&str, &str)] = &[
    ("tenants", "SELECT, INSERT, UPDATE"),
    ("users", "SELECT, INSERT, UPDATE"),
    ("memberships", "SELECT, INSERT, DELETE"),
    ("user_preferences", "SELECT, INSERT, UPDATE"),
    // Records are added and marked delivered, never removed.
    ("audit_outbox", "SELECT, INSERT, UPDATE"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ensure_app_role(manager).await?;
        for (table, privileges) in GRANTS {
            grant_to_app(manager, table, privileges).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
