//! What the benchmark is asked to do: sizes, backends, how many requests per figure. Bad flags get
//! a clear message from the parser, never a panic.

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

impl BackendChoice {
    pub fn backends(self) -> Vec<BackendKind> {
        match self {
            Self::Sqlite => vec![BackendKind::Sqlite],
            Self::Postgres => vec![BackendKind::Postgres],
            Self::Both => vec![BackendKind::Sqlite, BackendKind::Postgres],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "kurator-bench",
    about = "Seeds the state centre with many cases and measures the real `kurator` server \
             (issue 9, item 6). Not a test: it prints figures and PASS/FAIL against the targets."
)]
pub struct Options {
    /// Tenant sizes in cases, ascending; the tenant grows in place from one to the next.
    #[arg(long, value_delimiter = ',', value_parser = parse_size, default_value = "1000,10000,100000")]
    pub sizes: Vec<usize>,
    /// Which databases to run on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    pub backend: BackendChoice,
    /// Measured requests per latency figure (after a warm-up of a tenth of it, at least 3).
    /// The p99 of 400 is the fifth slowest: one stall of the machine does not make it.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub requests: u32,
    /// Longest time one latency figure may take; it stops early with the samples it has.
    #[arg(long, default_value_t = 20)]
    pub max_seconds_per_figure: u64,
    /// How long each throughput figure is measured, in seconds (after half a second of warm-up).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub throughput_seconds: u64,
    /// Curators besides the demo ones; the demo curator keeps the same caseload at every size.
    #[arg(long, default_value_t = 20)]
    pub curators: usize,
    /// The `kurator` server binary. Default: next to this program.
    #[arg(long)]
    pub server: Option<PathBuf>,
    /// A PostgreSQL server where the benchmark may create and drop databases (trust or a
    /// password in the URL).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub postgres_url: String,
    /// Keep the data directory and PostgreSQL databases afterwards (their names are printed).
    #[arg(long)]
    pub keep: bool,
}

fn parse_size(value: &str) -> Result<usize, String> {
    let digits: String = value.chars().filter(|c| *c != '_').collect();
    let size: usize = digits
        .trim()
        .parse()
        .map_err(|_| format!("«{value}» is not a number of cases"))?;
    if !(10..=2_000_000).contains(&size) {
        return Err(format!(
            "{size} cases: a size must be between 10 and 2 000 000"
        ));
    }
    Ok(size)
}

impl Options {
    /// Checks what the parser cannot: the sizes grow.
    pub fn validate(&self) -> Result<(), String> {
        if self.sizes.is_empty() {
            return Err("--sizes: give at least one size".into());
        }
        if self.sizes.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!(
                "--sizes {:?}: sizes must be strictly ascending (the tenant grows in place)",
                self.sizes
            ));
        }
        if self.max_seconds_per_figure == 0 {
            return Err("--max-seconds-per-figure must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        let options =
            Options::try_parse_from(std::iter::once("kurator-bench").chain(args.iter().copied()))
                .map_err(|e| e.to_string())?;
        options.validate()?;
        Ok(options)
    }

    #[test]
    fn flags_run_it_small() {
        let options = parse(&[
            "--sizes",
            "1000,10000",
            "--backend",
            "sqlite",
            "--requests",
            "50",
        ])
        .unwrap();
        assert_eq!(options.sizes, [1000, 10000]);
        assert_eq!(options.backend.backends(), [BackendKind::Sqlite]);
        assert_eq!(options.requests, 50);
    }

    #[test]
    fn bad_flags_are_explained_not_panicked_on() {
        assert!(
            parse(&["--sizes", "ten"])
                .unwrap_err()
                .contains("not a number")
        );
        assert!(
            parse(&["--sizes", "1000,100"])
                .unwrap_err()
                .contains("ascending")
        );
        assert!(
            parse(&["--backend", "oracle"])
                .unwrap_err()
                .contains("oracle")
        );
        assert!(parse(&["--requests", "0"]).is_err());
        assert!(parse(&["--sizes", "5"]).unwrap_err().contains("between"));
    }
}
