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
    /// Serve the GraphQL API (the default); runs the deadline worker too unless
    /// `worker.enabled = false`.
    Serve,
    /// Run only the deadline worker (production): reminders, escalations, digests, e-mail and
    /// webhooks. Several may run; one is active per organisation at a time (a Redis lease).
    Worker {
        /// One run over every organisation, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Migrate the control plane and every organisation's database, then exit (production runs
    /// it as a step before the replicas, with `database.migrate_at_start = false`).
    Migrate,
    /// Work with method-variant files (варианты технологии).
    Variant {
        #[command(subcommand)]
        command: VariantCommand,
    },
}

#[derive(Subcommand)]
enum VariantCommand {
    /// Validate a variant file: every error with its path, or a short summary.
    Check { file: PathBuf },
    /// What changed between two versions of a variant.
    Diff { old: PathBuf, new: PathBuf },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Worker { once } => worker(cli.config, once).await,
        Command::Variant { command } => variant(command),
        Command::Migrate => migrate(cli.config).await,
    }
}

async fn migrate(config: Option<PathBuf>) -> ExitCode {
    let settings = match configured(config) {
        Ok(started) => started,
        Err(code) => return code,
    };
    match kurator_gateway::app::migrate(&settings.0).await {
        Ok(organisations) => {
            println!(
                "Схема обновлена / schema up to date: control plane and {} organisations ({})",
                organisations.len(),
                organisations.join(", ")
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("kurator migrate: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &std::path::Path) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|err| {
        eprintln!("{}: {err}", path.display());
        ExitCode::from(2)
    })
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn variant(command: VariantCommand) -> ExitCode {
    let (output, code) = match command {
        VariantCommand::Check { file } => {
            let contents = match read(&file) {
                Ok(contents) => contents,
                Err(code) => return code,
            };
            kurator_method::cli::check(&file.display().to_string(), &contents)
        }
        VariantCommand::Diff { old, new } => {
            let (old_contents, new_contents) = match (read(&old), read(&new)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(code), _) | (_, Err(code)) => return code,
            };
            kurator_method::cli::diff(
                &old.display().to_string(),
                &old_contents,
                &new.display().to_string(),
                &new_contents,
            )
        }
    };
    print!("{output}");
    exit_code(code)
}

/// The settings (file, then `KURATOR__…` variables) and telemetry every long-running command
/// starts with; a bad configuration exits with code 2.
fn configured(
    config: Option<PathBuf>,
) -> Result<(Settings, kurator_platform::telemetry::TelemetryGuard), ExitCode> {
    let settings = Settings::load(config.as_deref()).map_err(|err| {
        eprintln!("{err}");
        ExitCode::from(2)
    })?;
    let telemetry = kurator_platform::telemetry::init(&settings.telemetry).map_err(|err| {
        eprintln!("telemetry: {err}");
        ExitCode::from(2)
    })?;
    Ok((settings, telemetry))
}

async fn serve(config: Option<PathBuf>) -> ExitCode {
    let (settings, _telemetry) = match configured(config) {
        Ok(started) => started,
        Err(code) => return code,
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

async fn worker(config: Option<PathBuf>, once: bool) -> ExitCode {
    let (settings, _telemetry) = match configured(config) {
        Ok(started) => started,
        Err(code) => return code,
    };
    let worker = match kurator_gateway::app::build_worker(&settings).await {
        Ok(worker) => worker,
        Err(err) => {
            eprintln!("the worker could not start: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    // Crash tests stop the process at a named step (`after_planning`, `after_first_delivery`,
    // `before_settle`) as if it had died there.
    let failpoint = std::env::var("KURATOR_WORKER_FAILPOINT")
        .ok()
        .and_then(|f| kurator_casework::worker::Failpoint::parse(&f));
    let worker = worker.with_failpoint(failpoint);
    println!("Kurator deadline worker {} started", worker.holder());
    if once {
        return match worker.run_once(chrono::Utc::now()).await {
            Ok(report) => {
                for (tenant, run) in report {
                    println!("{tenant}: {run:?}");
                }
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("worker run failed: {err}");
                ExitCode::from(3)
            }
        };
    }
    worker
        .run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    ExitCode::SUCCESS
}
