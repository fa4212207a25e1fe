//! Where one run keeps its data: a fresh data directory (SQLite), or fresh PostgreSQL databases —
//! a control plane plus one per demo organisation, worked in as a login role that is a member of
//! `kurator_tenant_app` and owns nothing (as the test suite does, `tests/src/backend.rs`).

use crate::options::BackendKind;
use anyhow::Context;
use sea_orm::{ConnectionTrait, Database};
use std::path::{Path, PathBuf};

/// The organisations the demo data creates; each gets a database on PostgreSQL.
const DEMO_TENANTS: [&str; 4] = ["fund", "volunteers", "state_centre", "clinic"];

/// The login role the server works as in tenant databases.
pub const APP_LOGIN: &str = "kurator_bench_app";

pub struct RunData {
    pub kind: BackendKind,
    pub dir: PathBuf,
    /// PostgreSQL: the admin URL and the prefix of this run's databases.
    pub postgres: Option<(String, String)>,
    keep: bool,
}

impl RunData {
    pub async fn create(kind: BackendKind, admin_url: &str, keep: bool) -> anyhow::Result<Self> {
        let suffix = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
        let dir = std::env::temp_dir().join(format!("kurator-bench-{suffix}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let postgres = match kind {
            BackendKind::Sqlite => None,
            BackendKind::Postgres => {
                let prefix = format!("kurator_bench_{suffix}");
                create_databases(admin_url, &prefix).await?;
                Some((admin_url.to_owned(), prefix))
            }
        };
        Ok(Self {
            kind,
            dir,
            postgres,
            keep,
        })
    }

    /// The URL of this run's PostgreSQL database `name`, as its owner.
    fn postgres_url(&self, name: &str) -> Option<String> {
        let (admin, prefix) = self.postgres.as_ref()?;
        Some(format!("{}/{prefix}_{name}", server_part(admin)))
    }

    /// The control plane, as its owner.
    pub fn control_url(&self) -> String {
        self.postgres_url("control").unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.dir.join("control.sqlite").display()
            )
        })
    }

    /// The server's configuration file for this run, listening on `port`. The rate limits are
    /// off: the benchmark measures the service itself, with every request from one address.
    pub fn write_config(&self, port: u16) -> anyhow::Result<PathBuf> {
        let mut config = format!(
            "environment = \"development\"\n\
             data_dir = {dir:?}\n\
             [server]\nhost = \"127.0.0.1\"\nport = {port}\n\
             [server.rate_limit.sign_in]\nper_address = 0\noverall = 0\n\
             [server.rate_limit.api]\nper_address = 0\noverall = 0\n\
             [telemetry]\nlog_filter = \"warn\"\n\
             [demo]\nexample_cases = false\n",
            dir = self.dir.display().to_string(),
        );
        if let (Some(control), Some(template)) =
            (self.postgres_url("control"), self.postgres_url("{tenant}"))
        {
            config.push_str(&format!(
                "[database]\ncontrol_url = {control:?}\ntenant_url_template = {template:?}\n\
                 app_user = {APP_LOGIN:?}\n"
            ));
        }
        let path = self.dir.join("kurator.toml");
        std::fs::write(&path, config).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    pub fn describe(&self) -> String {
        match &self.postgres {
            Some((_, prefix)) => format!("databases {prefix}_*, logs in {}", self.dir.display()),
            None => format!("data directory {}", self.dir.display()),
        }
    }

    /// Removes what the run made, unless asked to keep it.
    pub async fn remove(self) {
        if self.keep {
            return;
        }
        if let Some((admin, prefix)) = &self.postgres
            && let Ok(db) = Database::connect(admin.as_str()).await
        {
            for name in std::iter::once("control").chain(DEMO_TENANTS) {
                let _ = db
                    .execute_unprepared(&format!(
                        "DROP DATABASE IF EXISTS {prefix}_{name} WITH (FORCE)"
                    ))
                    .await;
            }
            let _ = db.close().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn server_part(url: &str) -> &str {
    let base = url.split('?').next().unwrap_or(url);
    base.rsplit_once('/').map_or(base, |(server, _)| server)
}

async fn create_databases(admin_url: &str, prefix: &str) -> anyhow::Result<()> {
    let admin = Database::connect(admin_url)
        .await
        .with_context(|| format!("connecting to PostgreSQL at {}", server_part(admin_url)))?;
    // Roles belong to the whole server; other runs and the test suite may have made them.
    admin
        .execute_unprepared(&format!(
            "DO $$ BEGIN CREATE ROLE kurator_tenant_app NOLOGIN NOBYPASSRLS;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
             DO $$ BEGIN CREATE ROLE {APP_LOGIN} LOGIN NOBYPASSRLS;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
             DO $$ BEGIN GRANT kurator_tenant_app TO {APP_LOGIN};
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
        ))
        .await
        .context("creating the application roles")?;
    for name in std::iter::once("control").chain(DEMO_TENANTS) {
        admin
            .execute_unprepared(&format!("CREATE DATABASE {prefix}_{name}"))
            .await
            .with_context(|| format!("creating database {prefix}_{name}"))?;
    }
    admin.close().await?;
    Ok(())
}

/// The log file of the server in `dir`.
pub fn log_path(dir: &Path) -> PathBuf {
    dir.join("kurator.log")
}
