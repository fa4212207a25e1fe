//! What can go wrong in case work, in terms the gateway maps onto API error codes.

use kurator_store::StoreError;

pub use kurator_method::problem::{Language, Problem};

#[derive(Debug, thiserror::Error)]
pub enum CaseworkError {
    /// Does not exist, or is outside the caller's tenant or scope — deliberately the same.
    #[error("not found")]
    NotFound,
    /// The caller's role does not allow this at all.
    #[error("forbidden")]
    Forbidden,
    /// The request is malformed or breaks a rule of the method variant; every problem has a stable
    /// code and is written, in Russian and in English, for the person who made it.
    #[error("{}", .0.iter().map(|p| p.ru.as_str()).collect::<Vec<_>>().join("; "))]
    Rejected(Vec<Problem>),
    /// The client's version is stale.
    #[error("stale version; current is {current}")]
    Stale { current: i32 },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("method variant: {0}")]
    Variant(String),
    /// Something outside the request failed (a sealed secret that no longer opens).
    #[error("internal: {0}")]
    Internal(String),
}

impl CaseworkError {
    pub fn rejected(problem: Problem) -> Self {
        CaseworkError::Rejected(vec![problem])
    }
}

impl From<StoreError> for CaseworkError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => CaseworkError::NotFound,
            StoreError::Stale { current } => CaseworkError::Stale { current },
            StoreError::Conflict(detail) => CaseworkError::Conflict(detail),
            other => CaseworkError::Store(other),
        }
    }
}

impl From<sea_orm::DbErr> for CaseworkError {
    fn from(err: sea_orm::DbErr) -> Self {
        CaseworkError::from(StoreError::from(err))
    }
}

pub type CaseworkResult<T> = Result<T, CaseworkError>;
