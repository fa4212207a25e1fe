//! Control-plane migrations.

use sea_orm_migration::prelude::*;

mod m20261122_000001_tenants_users_memberships;

pub struct ControlPlaneMigrator;

#[async_trait::async_trait]
impl MigratorTrait for ControlPlaneMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(
            m20261122_000001_tenants_users_memberships::Migration,
        )]
    }
}
