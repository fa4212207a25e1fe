//! `kurator`: runs the platform, or works with method-variant files.

use clap::{Parser, Subcommand};
use kurator_gateway::Application;
use kurator_platform::Settings;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kurator",
    version,
    about = "Kurator — ведение случая / case management"
)]
struct Cli {
    /// A TOML configuration file, layered over the built-in defaults and under `KURATOR__…`
    /// environment variables.
    #[arg(long, global = true, env = "KURATOR_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the GraphQL API (the default).
    Serve,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
    }
}

async fn serve(config: Option<PathBuf>) -> ExitCode {
    let settings = match Settings::load(config.as_deref()) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    let _telemetry = match kurator_platform::telemetry::init(&settings.telemetry) {
        Ok(guard) => guard,
        Err(err) => {
            eprintln!("telemetry: {err}");
            return ExitCode::from(2);
        }
    };
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "Kurator could not start");
            eprintln!("Kurator could not start: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", application.banner());
    match application.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server error: {err}");
            ExitCode::FAILURE
        }
    }
}
