//! A transaction bound to one tenant.
//!
//! On PostgreSQL, beginning it sets `app.tenant_id` for this transaction only
//! (`set_config(…, true)`), which the row-level-security policies of every tenant table check. The
//! setting dies with the transaction, so a pooled connection never carries a tenant over to the
//! next request. Repositories also filter on [`TenantTx::tenant_id`] explicitly: isolation holds
//! even on SQLite, which has no row-level security.

use crate::StoreError;
use kurator_domain::TenantId;
use kurator_migrations::APP_TENANT_SETTING;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, Statement,
    TransactionTrait,
};

pub struct TenantTx {
    tx: DatabaseTransaction,
    tenant_id: TenantId,
    /// Held for the whole transaction where the database admits one writer at a time.
    _serial: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Cases this transaction changed (their row, record or plan), for [`BeforeCommit`].
    touched: std::sync::Mutex<Vec<uuid::Uuid>>,
    before_commit: Option<std::sync::Arc<dyn BeforeCommit>>,
}

/// Work that must be done in the same transaction as every change to a case, whoever made it:
/// the tenant runtime keeps the case's stored obligations with it. Runs once, at commit, with
/// every case the transaction touched.
#[async_trait::async_trait]
pub trait BeforeCommit: Send + Sync {
    async fn before_commit(&self, tx: &TenantTx, cases: &[uuid::Uuid]) -> Result<(), StoreError>;
}

impl TenantTx {
    pub async fn begin(db: &DatabaseConnection, tenant_id: TenantId) -> Result<Self, StoreError> {
        let tx = db.begin().await?;
        if tx.get_database_backend() == DatabaseBackend::Postgres {
            tx.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT set_config($1, $2, true)",
                [APP_TENANT_SETTING.into(), tenant_id.0.to_string().into()],
            ))
            .await?;
        }
        Ok(Self {
            tx,
            tenant_id,
            _serial: None,
            touched: std::sync::Mutex::new(Vec::new()),
            before_commit: None,
        })
    }

    /// Installs the work to run at commit for the cases the transaction touched.
    pub fn with_before_commit(mut self, hook: std::sync::Arc<dyn BeforeCommit>) -> Self {
        self.before_commit = Some(hook);
        self
    }

    /// Notes that the transaction changed this case (its row, its record or its plan).
    pub fn touch(&self, case: uuid::Uuid) {
        let mut touched = self
            .touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !touched.contains(&case) {
            touched.push(case);
        }
    }

    /// Like [`TenantTx::begin`], first taking `serial` for the life of the transaction. SQLite
    /// lets one transaction write at a time, and a transaction that has read cannot always become
    /// the writer ("database is locked"); taking turns in the process avoids that.
    pub async fn begin_serialized(
        db: &DatabaseConnection,
        tenant_id: TenantId,
        serial: &std::sync::Arc<tokio::sync::Mutex<()>>,
    ) -> Result<Self, StoreError> {
        let guard = serial.clone().lock_owned().await;
        let mut tx = Self::begin(db, tenant_id).await?;
        tx._serial = Some(guard);
        Ok(tx)
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    /// The connection to run statements on; every statement must still filter on the tenant.
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.tx
    }

    /// Runs the [`BeforeCommit`] work for the touched cases, then commits; if that work fails,
    /// nothing of the transaction is kept.
    pub async fn commit(self) -> Result<(), StoreError> {
        let touched = std::mem::take(
            &mut *self
                .touched
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if let (Some(hook), false) = (&self.before_commit, touched.is_empty()) {
            hook.before_commit(&self, &touched).await?;
        }
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}
