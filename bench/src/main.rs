//! `kurator-bench`: `cargo run --release -p kurator-bench -- --sizes 1000,10000 --backend sqlite`.

use clap::Parser;
use kurator_bench::Options;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    if let Err(message) = options.validate() {
        eprintln!("kurator-bench: {message}");
        return ExitCode::from(2);
    }
    let progress = |line: &str| eprintln!("{line}");
    match kurator_bench::run(&options, &progress).await {
        Ok(outcome) => {
            println!("{}", outcome.text);
            let failed = outcome.checks.iter().filter(|c| !c.passed()).count();
            println!(
                "{} of {} targets met",
                outcome.checks.len() - failed,
                outcome.checks.len()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("kurator-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}
