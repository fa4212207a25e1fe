//! Control-plane migrations.

use sea_orm_migration::prelude::*;

mod m20261122_000001_tenants_users_memberships;
mod m20261129_000400_user_preferences;
mod m20261129_000700_organisation_lifecycle;
mod m20261130_000100_audit_outbox;
mod m20261130_000200_application_role;
mod m20261130_000800_api_tokens;
mod m20261130_000900_single_sign_on;
mod m20261130_001000_platform_methodologists;
mod m20261130_001100_platform_audit;

pub struct ControlPlaneMigrator;

#[async_trait::async_trait]
impl MigratorTrait for ControlPlaneMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_tenants_users_memberships::Migration),
            Box::new(m20261129_000400_user_preferences::Migration),
            Box::new(m20261129_000700_organisation_lifecycle::Migration),
            Box::new(m20261130_000100_audit_outbox::Migration),
            Box::new(m20261130_000200_application_role::Migration),
            Box::new(m20261130_000800_api_tokens::Migration),
            Box::new(m20261130_000900_single_sign_on::Migration),
            Box::new(m20261130_001000_platform_methodologists::Migration),
            Box::new(m20261130_001100_platform_audit::Migration),
        ]
    }
}
