//! Kurator's vocabulary and invariants: identifiers, roles and the small value types that every
//! layer shares. Nothing here touches IO; every constructor that takes outside input parses it and
//! returns a `Result`, so an invalid value cannot exist past the boundary.

pub mod ids;
pub mod login;
pub mod role;
pub mod tenant;

pub use ids::{TenantId, UserId};
pub use login::LoginName;
pub use role::Role;
pub use tenant::TenantSlug;

/// Why a piece of outside input was not accepted. The message is safe to show to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidInput {
    pub field: &'static str,
    pub message: String,
}

impl InvalidInput {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}
