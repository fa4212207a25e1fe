//! Database migrations for Kurator, in three sets:
//!
//! - [`ControlPlaneMigrator`]: the control plane — tenants (the tenant registry), users,
//!   memberships and roles.
//! - [`TenantMigrator`]: one tenant's database — case data and its audit trail. Every table
//!   carries `tenant_id`; on PostgreSQL row-level security is enabled *and forced* on each, so even
//!   the table owner sees only the rows of the tenant set for the current transaction.
//! - [`AnalyticsMigrator`]: the analytics store — only what organisations published through
//!   disclosure control, for methodologists to compare.
//!
//! Files are named `mYYYYMMDD_HHMMSS_what.rs`; a published migration is never edited.

pub use sea_orm_migration::prelude::*;

mod analytics;
mod control;
mod rls;
mod tenant;

pub use analytics::AnalyticsMigrator;
pub use control::ControlPlaneMigrator;
pub use rls::{APP_ROLE, APP_TENANT_SETTING, enable_tenant_rls, grant_to_app};
pub use tenant::TenantMigrator;
