//! The control plane: tenant registry, users, memberships.

pub mod api_token;
pub mod audit_outbox;
pub mod membership;
pub mod preferences;
pub mod repo;
pub mod sso;
pub mod tenant;
pub mod user;

pub use repo::{MembershipRow, NewTenant, NewUser, TenantRow, UserRow};
