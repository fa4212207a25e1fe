//! A transaction bound to one tenant.
//!
//! On PostgreSQL, beginning it sets `app.tenant_id` for this transaction only
//! (`set_config(…, true)`), which the row-level-security policies of every tenant table check. The
//! setting dies with the transaction, so a pooled connection never carries a tenant over to the
//! next request. Repositories also filter on [`TenantTx::tenant_id`] explicitly: isolation holds
//! even on SQLite, which has no row-level security.
//!
//! A transaction is a writer ([`TenantTx::begin`], [`TenantTx::begin_serialized`]) or a reader
//! ([`TenantTx::begin_read`]). On SQLite (WAL) readers run beside the one writer on their own
//! snapshot, so they take no turn; a writer starts with `BEGIN IMMEDIATE`, taking the write lock
//! up front rather than failing ("database is locked") when a transaction that has read tries to
//! become the writer. On PostgreSQL a reader is a tenant transaction like any other, marked
//! read-only.

use crate::StoreError;
use kurator_domain::TenantId;
use kurator_migrations::APP_TENANT_SETTING;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

#[derive(Clone, Copy)]
enum Access {
    Read,
    Write,
}

pub struct TenantTx {
    tx: DatabaseTransaction,
    tenant_id: TenantId,
    /// Held for the whole transaction where the database admits one writer at a time.
    _serial: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Cases this transaction changed (their row, record or plan), for [`BeforeCommit`].
    touched: std::sync::Mutex<Vec<uuid::Uuid>>,
    /// Rows of touched cases as this transaction read them, where it changed their record but
    /// not the row itself ([`TenantTx::touch_record_of`]): [`BeforeCommit`] need not read them
    /// again.
    unchanged: std::sync::Mutex<Vec<crate::tenant::cases::CaseRow>>,
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
    /// A transaction that may write.
    pub async fn begin(db: &DatabaseConnection, tenant_id: TenantId) -> Result<Self, StoreError> {
        Self::start(db, tenant_id, Access::Write).await
    }

    /// A transaction that only reads: on SQLite it takes no write lock and waits for no writer;
    /// on PostgreSQL it is read-only (a write in it is refused by the database).
    pub async fn begin_read(
        db: &DatabaseConnection,
        tenant_id: TenantId,
    ) -> Result<Self, StoreError> {
        Self::start(db, tenant_id, Access::Read).await
    }

    async fn start(
        db: &DatabaseConnection,
        tenant_id: TenantId,
        access: Access,
    ) -> Result<Self, StoreError> {
        let backend = db.get_database_backend();
        let tx = match (backend, access) {
            (DatabaseBackend::Sqlite, Access::Write) => {
                db.begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await?
            }
            _ => db.begin().await?,
        };
        if backend == DatabaseBackend::Postgres {
            // One round trip sets the tenant and, for a reader, read-only mode (which may be set
            // at any point of a transaction).
            let sql = match access {
                Access::Write => "SELECT set_config($1, $2, true)",
                Access::Read => {
                    "SELECT set_config($1, $2, true), set_config('transaction_read_only', 'on', true)"
                }
            };
            tx.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                sql,
                [APP_TENANT_SETTING.into(), tenant_id.0.to_string().into()],
            ))
            .await?;
        }
        Ok(Self {
            tx,
            tenant_id,
            _serial: None,
            touched: std::sync::Mutex::new(Vec::new()),
            unchanged: std::sync::Mutex::new(Vec::new()),
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
        self.unchanged
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|r| r.id != case);
        let mut touched = self
            .touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !touched.contains(&case) {
            touched.push(case);
        }
    }

    /// Like [`TenantTx::begin`], first taking `serial` for the life of the transaction. SQLite
    /// lets one transaction write at a time; writers of this process queue here, in order, rather
    /// than in SQLite's busy handler (which polls).
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

    /// Like [`TenantTx::touch`], for a change to the case's record alone: `row` is the case as
    /// this transaction read it, and nothing in the transaction changes the row before commit.
    /// Any other touch of the case makes the work at commit read it again.
    pub fn touch_record_of(&self, row: &crate::tenant::cases::CaseRow) {
        let fresh = !self
            .touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&row.id);
        self.touch(row.id);
        if fresh {
            self.unchanged
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(row.clone());
        }
    }

    /// The row of a touched case as the transaction read it, when only its record changed
    /// ([`TenantTx::touch_record_of`]).
    pub fn unchanged_row(&self, case: uuid::Uuid) -> Option<crate::tenant::cases::CaseRow> {
        self.unchanged
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|r| r.id == case)
            .cloned()
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
