//! Cross-cutting wiring shared by every Kurator service: layered configuration, telemetry, and the
//! key–value cache that holds sessions and rate-limit counters (Redis in production, in-process in
//! the embedded default).

pub mod cache;
pub mod config;
pub mod lease;
pub mod telemetry;

pub use cache::{Cache, CacheError};
pub use config::{Environment, Settings};
