//! The case-work benchmark of issue 9 (item 6): seeds the state centre with 1 000, 10 000 and
//! 100 000 realistic cases on SQLite and on PostgreSQL, measures the real `kurator` server after
//! each size, and prints every figure and every target ratio with PASS or FAIL.
//!
//! It is an instrument, not a test: nothing here asserts a timing. The smoke test runs it at tiny
//! sizes so that it keeps working.

pub mod backend;
pub mod client;
pub mod history;
pub mod measure;
pub mod options;
pub mod raw_insert;
pub mod report;
pub mod run;
pub mod seed;
pub mod server;

pub use options::Options;
pub use report::Check;
pub use run::BackendFigures;

/// What a whole benchmark produced.
pub struct Outcome {
    pub backends: Vec<BackendFigures>,
    pub checks: Vec<Check>,
    pub text: String,
}

/// Runs the benchmark as `options` say, printing progress with `progress`.
pub async fn run(options: &Options, progress: &(dyn Fn(&str) + Sync)) -> anyhow::Result<Outcome> {
    options.validate().map_err(anyhow::Error::msg)?;
    let binary = server::locate(options.server.as_deref())?;
    progress(&format!("server binary: {}", binary.display()));
    let mut backends = Vec::new();
    for kind in options.backend.backends() {
        backends.push(run::on_backend(kind, options, &binary, progress).await?);
    }
    let checks: Vec<Check> = backends.iter().flat_map(report::checks).collect();
    let mut text = String::new();
    for figures in &backends {
        text.push_str(&report::figures_text(figures));
        text.push('\n');
    }
    text.push_str(&report::checks_text(&checks));
    Ok(Outcome {
        backends,
        checks,
        text,
    })
}
