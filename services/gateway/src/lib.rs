//! The Kurator gateway: the one public GraphQL endpoint (axum + async-graphql), authentication,
//! tenant routing, limits and telemetry. In the embedded default the same process also hosts the
//! tenant runtimes.
//!
//! `main` stays thin: it reads configuration, starts telemetry and calls [`Application::build`],
//! which binds the port (port 0 in tests) and returns it.

pub mod app;
pub mod callers;
pub mod demo;
pub mod edge;
pub mod graphql;
pub mod http;
pub mod state;
pub mod web;

pub use app::Application;
pub use state::AppState;
