//! The test harness: starts the real Kurator application on port 0 against a fresh store and
//! talks to it over HTTP, as a client would.
//!
//! Every test runs in up to three suites:
//! - `embedded` — SQLite files in a temporary directory, in-process sessions (always);
//! - `postgres` — a fresh PostgreSQL database per tenant and per test, when
//!   `KURATOR_TEST_DATABASE_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/postgres`);
//! - `redis` — sessions and rate limits in Redis under a unique key prefix per test, when
//!   `KURATOR_TEST_REDIS_URL` is set (e.g. `redis://127.0.0.1:6379`).
//!
//! A suite whose URL is missing is skipped, unless `KURATOR_TEST_REQUIRE_SERVICES=1` (as in CI),
//! which turns the skip into a failure.
//!
//! Logs are printed only when `TEST_LOG` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod app;
pub mod backend;
pub mod browser;
pub mod casework;
pub mod fund;
pub mod graphql;
pub mod oidc;

pub use app::{TestApp, spawn_app};
pub use backend::Backend;
pub use graphql::GqlResponse;

/// Declares each listed `async fn name(backend: Backend)` as a test on each database: the
/// embedded default and, when configured, PostgreSQL.
#[macro_export]
macro_rules! db_suites {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::embedded()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(backend) = $crate::Backend::postgres().await else { return };
                    super::$name(backend).await
                }
            )*
        }
    };
}

/// Declares each listed `async fn name(backend: Backend)` as a test in every suite.
#[macro_export]
macro_rules! suites {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::embedded()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(backend) = $crate::Backend::postgres().await else { return };
                    super::$name(backend).await
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(backend) = $crate::Backend::redis() else { return };
                    super::$name(backend).await
                }
            )*
        }
    };
}
