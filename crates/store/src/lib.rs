//! Kurator's storage: sea-orm entities and repositories over PostgreSQL (production) or SQLite
//! (embedded default).
//!
//! Two kinds of database:
//! - the **control plane** ([`control`]): the tenant registry, users and memberships;
//! - one **tenant database** per organisation ([`tenant`]): case data and the audit trail. Code
//!   that touches it goes through a [`TenantTx`], a transaction bound to one tenant, so the tenant
//!   is in every repository function's signature.

pub mod connect;
pub mod control;
pub mod error;
pub mod tenant;
pub mod tenant_tx;

pub use connect::{
    NewDatabase, SQLITE_WRITER_CHECKPOINT_PAGES, SqliteStatistics, StatementCounter, connect,
    connect_sqlite_writer, create_database, drop_database, migrate_analytics,
    migrate_control_plane, migrate_tenant, pending_analytics, pending_control_plane,
    pending_tenant, refresh_sqlite_statistics, with_user,
};
pub use error::StoreError;
pub use tenant_tx::{BeforeCommit, TenantTx};
