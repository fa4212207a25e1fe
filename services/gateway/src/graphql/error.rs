//! Errors as clients see them: a stable `extensions.code` and a human message (Russian first),
//! never a stack trace or an internal detail. Unexpected failures are logged once, in full, with
//! the request id, where they are turned into `INTERNAL`.

use async_graphql::ErrorExtensions;
use std::fmt;

/// The codes a client may match on. Adding one is an API change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 6] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::BadUserInput,
        ErrorCode::Conflict,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Extra machine-readable facts, e.g. the current version on `CONFLICT`.
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Требуется вход в систему")
    }

    pub fn invalid_credentials() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Неверный логин или пароль")
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "Недостаточно прав для этого действия")
    }

    /// The same answer whether the thing does not exist or belongs to someone the caller may not
    /// see.
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "Не найдено")
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadUserInput, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    /// Logs `cause` with its whole chain and returns the opaque `INTERNAL` error.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(next) = source {
            chain.push_str(": ");
            chain.push_str(&next.to_string());
            source = next.source();
        }
        tracing::error!(error = %chain, "internal error");
        Self::new(ErrorCode::Internal, "Внутренняя ошибка сервера")
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let code = err.code.as_str();
        let details = err.details.clone();
        async_graphql::Error::new(err.message).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(details) = &details
                && let Ok(value) = async_graphql::Value::from_json(details.clone())
            {
                ext.set("details", value);
            }
        })
    }
}

impl From<kurator_store::StoreError> for ApiError {
    fn from(err: kurator_store::StoreError) -> Self {
        match err {
            kurator_store::StoreError::NotFound => ApiError::not_found(),
            kurator_store::StoreError::Conflict(_) => {
                ApiError::conflict("Запись изменена или уже существует")
            }
            other => ApiError::internal(&other),
        }
    }
}

impl From<kurator_platform::CacheError> for ApiError {
    fn from(err: kurator_platform::CacheError) -> Self {
        ApiError::internal(&err)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
