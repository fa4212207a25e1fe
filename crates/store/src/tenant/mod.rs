//! Tenant databases: case data and the audit trail. Every function takes a [`crate::TenantTx`]
//! and filters on its tenant.

pub mod audit;
pub mod calendar;
pub mod cases;
pub mod entities;
pub mod idempotency;
pub mod notifications;
pub mod obligations;
pub mod plans;
pub mod settings;
pub mod signals;
pub mod spending;
pub mod staff_roles;
pub mod variant_drafts;
pub mod variant_publication_requests;
pub mod variants;
pub mod versioned;
