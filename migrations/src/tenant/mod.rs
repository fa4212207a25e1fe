//! Tenant-database migrations. Run once per tenant database.

use sea_orm_migration::prelude::*;

mod m20261122_000001_audit_log;
mod m20261122_000002_casework;
mod m20261122_000003_application_role;
mod m20261122_000004_tenant_settings;
mod m20261129_000001_method_roles;
mod m20261129_000002_signal_form;
mod m20261129_000200_case_spending;
mod m20261129_000300_case_obligations;
mod m20261129_000400_notifications;
mod m20261129_000500_active_cases_index;
mod m20261129_000600_variant_drafts;
mod m20261129_000700_calendar_changes;
mod m20261130_000100_variant_publication_requests;
mod m20261130_000200_case_records_by_kind;
mod m20261130_000300_case_obligation_results;
mod m20261130_000400_case_records_of_case_by_kind;

pub struct TenantMigrator;

#[async_trait::async_trait]
impl MigratorTrait for TenantMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_audit_log::Migration),
            Box::new(m20261122_000002_casework::Migration),
            Box::new(m20261122_000003_application_role::Migration),
            Box::new(m20261122_000004_tenant_settings::Migration),
            Box::new(m20261129_000001_method_roles::Migration),
            Box::new(m20261129_000002_signal_form::Migration),
            Box::new(m20261129_000200_case_spending::Migration),
            Box::new(m20261129_000300_case_obligations::Migration),
            Box::new(m20261129_000400_notifications::Migration),
            Box::new(m20261129_000500_active_cases_index::Migration),
            Box::new(m20261129_000600_variant_drafts::Migration),
            Box::new(m20261129_000700_calendar_changes::Migration),
            Box::new(m20261130_000100_variant_publication_requests::Migration),
            Box::new(m20261130_000200_case_records_by_kind::Migration),
            Box::new(m20261130_000300_case_obligation_results::Migration),
            Box::new(m20261130_000400_case_records_of_case_by_kind::Migration),
        ]
    }
}
