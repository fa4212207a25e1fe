//! The benchmark keeps working: run at tiny sizes with a few requests, it produces every figure
//! and every target check. Timings are not asserted — this is not a timed test.

#![allow(clippy::unwrap_used)]

use clap::Parser;
use kurator_bench::{Options, run};

/// Builds the server binary of this profile when it is missing, so the benchmark finds it next to
/// the test binary's directory.
fn server_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .to_owned();
    let binary = profile_dir.join("kurator");
    if !binary.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let mut command = std::process::Command::new(cargo);
        command.args(["build", "-p", "kurator-gateway", "--bin", "kurator"]);
        if release {
            command.arg("--release");
        }
        assert!(command.status().unwrap().success(), "building the server");
    }
    binary
}

fn options(backend: &str) -> Options {
    let server = server_binary();
    let mut args = vec![
        "kurator-bench".to_owned(),
        "--sizes".into(),
        "50,200".into(),
        "--backend".into(),
        backend.into(),
        "--requests".into(),
        "3".into(),
        "--curators".into(),
        "3".into(),
        "--max-seconds-per-figure".into(),
        "5".into(),
        "--server".into(),
        server.display().to_string(),
    ];
    if let Ok(url) = std::env::var("KURATOR_TEST_DATABASE_URL") {
        args.extend(["--postgres-url".into(), url]);
    }
    Options::try_parse_from(args).unwrap()
}

async fn every_figure_is_produced(backend: &str) {
    let outcome = run(&options(backend), &|line| eprintln!("{line}"))
        .await
        .unwrap();
    eprintln!("{}", outcome.text);
    let figures = &outcome.backends[0];
    assert_eq!(
        figures.sizes.iter().map(|s| s.size).collect::<Vec<_>>(),
        [50, 200]
    );
    for size in &figures.sizes {
        for (name, latency) in [
            ("curator's first page", &size.my_first_page),
            ("overdue first page", &size.overdue_first_page),
            ("case card", &size.case_card),
            ("board", &size.board),
            ("recordContact", &size.record_contact),
            ("registerSignal", &size.register_signal),
        ] {
            assert_eq!(
                latency.errors, 0,
                "{name} at {}: {:?}",
                size.size, latency.first_error
            );
            assert!(latency.p99().is_some(), "{name} at {}", size.size);
        }
        assert!(size.rss_after_listing_mib > 0.0);
        // Closed cases of the history have deadlines that fell due: their results are stored, as
        // the application stores them, so the planner sees the table as an organisation has it.
        assert!(
            size.results > 0,
            "no obligation results seeded at {}",
            size.size
        );
        // The demo curator's caseload is the same at every size; the seeded tenant has overdue work.
        assert_eq!(size.mine_total, Some(20));
        assert!(size.overdue_total.is_some_and(|n| n > 0));
    }
    assert!(figures.typename.per_second > 0.0 && figures.health_live.per_second > 0.0);
    assert!(
        figures.card_one_client.per_second > 0.0 && figures.card_eight_clients.per_second > 0.0
    );
    assert!(figures.raw_insert.p99().is_some());
    // Every target is reported, whatever its verdict.
    assert_eq!(outcome.checks.len(), 10);
    assert!(outcome.text.contains("PASS") || outcome.text.contains("FAIL"));
}

#[tokio::test]
async fn the_benchmark_runs_small_on_sqlite() {
    every_figure_is_produced("sqlite").await;
}

#[tokio::test]
async fn the_benchmark_runs_small_on_postgres() {
    if std::env::var("KURATOR_TEST_DATABASE_URL").is_err() {
        eprintln!(
            "skipped: KURATOR_TEST_DATABASE_URL is not set, the postgres smoke run does not run"
        );
        return;
    }
    every_figure_is_produced("postgres").await;
}
