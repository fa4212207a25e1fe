//! The control plane: tenant registry, users, memberships, and the platform's own audit trail.

pub mod api_token;
pub mod audit_outbox;
pub mod membership;
pub mod platform_audit;
pub mod preferences;
pub mod repo;
pub mod sso;
pub mod tenant;
pub mod user;

pub use repo::{MembershipRow, NewTenant, NewUser, TenantRow, UserRow};
