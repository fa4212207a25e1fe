//! Tenant databases: case data and the audit trail.

pub mod audit;
