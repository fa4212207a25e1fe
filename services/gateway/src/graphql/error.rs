//! Errors as clients see them: a stable `extensions.code`, a human message in the request's
//! language (Russian unless the client asks for English), and in `extensions.details` the
//! problems a client can act on — never a stack trace or an internal detail. Unexpected failures
//! are logged once, in full, with the request id, where they are turned into `INTERNAL`.

use crate::graphql::language::{self, Language};
use async_graphql::ErrorExtensions;
pub use kurator_casework::error::Problem;
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

/// An error on its way to the client: both languages are kept until the response is written in
/// the one the request asked for (see [`crate::graphql::language`]).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub ru: String,
    pub en: String,
    /// What exactly is wrong, each with a stable code and the input it concerns.
    pub problems: Vec<Problem>,
    /// Extra machine-readable facts, e.g. the current version on `CONFLICT`.
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ApiError {
    pub fn new(code: ErrorCode, ru: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code,
            ru: ru.into(),
            en: en.into(),
            problems: Vec::new(),
            details: None,
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorCode::Unauthenticated,
            "Требуется вход в систему",
            "Sign-in required",
        )
    }

    pub fn invalid_credentials() -> Self {
        Self::new(
            ErrorCode::Unauthenticated,
            "Неверный логин или пароль",
            "Wrong login or password",
        )
    }

    /// Sign-in refused without checking the password: the login name has used its free attempts.
    pub fn too_many_attempts(retry_after: std::time::Duration) -> Self {
        let seconds = retry_after.as_secs().max(1);
        Self {
            problems: vec![kurator_method::problem!(
                "too_many_attempts",
                "Слишком много неудачных попыток входа: попробуйте снова через {seconds} с",
                "Too many failed sign-in attempts: try again in {seconds} s"
            )],
            ..Self::new(
                ErrorCode::Unauthenticated,
                format!(
                    "Слишком много неудачных попыток входа: попробуйте снова через {seconds} с"
                ),
                format!("Too many failed sign-in attempts: try again in {seconds} s"),
            )
        }
        .with_detail("retryAfterSeconds", seconds.into())
    }

    pub fn forbidden() -> Self {
        Self::new(
            ErrorCode::Forbidden,
            "Недостаточно прав для этого действия",
            "You may not do this",
        )
    }

    /// The same answer whether the thing does not exist or belongs to someone the caller may not
    /// see.
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "Не найдено", "Not found")
    }

    /// `BAD_USER_INPUT` with one problem; the message is the problem's.
    pub fn bad_input(problem: Problem) -> Self {
        Self::rejected(vec![problem])
    }

    /// `BAD_USER_INPUT` with every problem; the message joins them.
    pub fn rejected(problems: Vec<Problem>) -> Self {
        let join = |language| {
            problems
                .iter()
                .map(|p| p.message(language))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let (ru, en) = (join(Language::Ru), join(Language::En));
        Self {
            problems,
            ..Self::new(ErrorCode::BadUserInput, ru, en)
        }
    }

    /// The record changed since the client read it, or already exists.
    pub fn conflict() -> Self {
        Self::new(
            ErrorCode::Conflict,
            "Запись изменена или уже существует",
            "The record has changed or already exists",
        )
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
        Self::new(
            ErrorCode::Internal,
            "Внутренняя ошибка сервера",
            "Internal server error",
        )
    }

    /// Adds a machine-readable fact to `extensions.details`.
    pub fn with_detail(mut self, key: &str, value: serde_json::Value) -> Self {
        self.details
            .get_or_insert_with(Default::default)
            .insert(key.to_owned(), value);
        self
    }

    pub fn message(&self, language: Language) -> &str {
        match language {
            Language::Ru => &self.ru,
            Language::En => &self.en,
        }
    }

    /// `extensions.details` in `language`: the facts, and for problems `problems` (code, field,
    /// message) and `reasons` (the messages alone, kept for older clients).
    pub fn details(&self, language: Language) -> Option<serde_json::Value> {
        let mut details = self.details.clone().unwrap_or_default();
        if !self.problems.is_empty() {
            let problems: Vec<serde_json::Value> = self
                .problems
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "code": p.code,
                        "field": p.field,
                        "message": p.message(language),
                    })
                })
                .collect();
            let reasons: Vec<&str> = self.problems.iter().map(|p| p.message(language)).collect();
            details.insert("problems".into(), problems.into());
            details.insert("reasons".into(), reasons.into());
        }
        (!details.is_empty()).then_some(serde_json::Value::Object(details))
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let language = language::current();
        let code = err.code.as_str();
        let details = err.details(language);
        async_graphql::Error::new(err.message(language)).extend_with(|_, ext| {
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
            kurator_store::StoreError::Conflict(_) => ApiError::conflict(),
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
