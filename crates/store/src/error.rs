//! Storage errors, sorted into what the caller can act on.

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist — or belongs to another tenant, which callers must not tell apart.
    #[error("not found")]
    NotFound,
    /// A unique constraint or a version check refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The client's version is not the current one: someone else changed the record first.
    #[error("stale version; current is {current}")]
    Stale { current: i32 },
    #[error("database: {0}")]
    Database(#[source] DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => StoreError::Conflict(detail),
            _ => StoreError::Database(err),
        }
    }
}
