//! The runtime of one tenant.

use kurator_store::control::TenantRow;
use kurator_store::{StoreError, TenantTx};
use sea_orm::DatabaseConnection;

pub struct TenantRuntime {
    tenant: TenantRow,
    db: DatabaseConnection,
}

impl TenantRuntime {
    /// Connects to the tenant's own database (its URL comes from the tenant registry) and brings
    /// its schema up to date.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    pub async fn open(tenant: TenantRow, max_connections: u32) -> Result<Self, StoreError> {
        let db = kurator_store::connect(&tenant.database_url, max_connections).await?;
        kurator_store::migrate_tenant(&db).await?;
        Ok(Self { tenant, db })
    }

    pub fn tenant(&self) -> &TenantRow {
        &self.tenant
    }

    /// A transaction bound to this tenant; the only way to reach its data.
    pub async fn begin(&self) -> Result<TenantTx, StoreError> {
        TenantTx::begin(&self.db, self.tenant.id).await
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    pub async fn close(self) {
        if let Err(err) = self.db.close().await {
            tracing::warn!(tenant = %self.tenant.slug, error = %err, "closing tenant database");
        }
    }
}
