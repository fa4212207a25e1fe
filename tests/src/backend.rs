//! Where a test application keeps its data: a fresh store per test, removed afterwards.

use sea_orm::{ConnectionTrait, Database};
use std::sync::Arc;

pub const DATABASE_URL_VAR: &str = "KURATOR_TEST_DATABASE_URL";
pub const REDIS_URL_VAR: &str = "KURATOR_TEST_REDIS_URL";
pub const REQUIRE_VAR: &str = "KURATOR_TEST_REQUIRE_SERVICES";
/// A second PostgreSQL server (another cluster, on another port), where organisations are placed
/// when a test places them on another server.
pub const SECOND_DATABASE_URL_VAR: &str = "KURATOR_TEST_SECOND_DATABASE_URL";

/// The tenants the demo data creates; the PostgreSQL suite makes a database for each.
pub const DEMO_TENANTS: [&str; 4] = ["fund", "volunteers", "state_centre", "clinic"];

/// Organisations a test may add besides the demo ones; their databases are made ready too.
pub const EXTRA_TENANTS: [&str; 1] = ["school"];

/// Organisations tests create through the API, which makes their databases itself; they are
/// dropped with the test's other databases.
pub const CREATED_TENANTS: [&str; 3] = ["sixth", "seventh", "taken"];

/// The login role PostgreSQL tests run the application as in tenant databases: a member of
/// `kurator_tenant_app`, owning nothing, unable to bypass row-level security.
pub const APP_LOGIN: &str = "kurator_test_app";

#[derive(Clone)]
pub struct Backend {
    pub name: &'static str,
    /// Keeps the temporary directory (SQLite files) alive as long as the backend.
    pub data_dir: Arc<tempfile::TempDir>,
    pub postgres: Option<Arc<PostgresDatabases>>,
    pub redis: Option<RedisNamespace>,
}

#[derive(Clone)]
pub struct RedisNamespace {
    pub url: String,
    pub key_prefix: String,
}

fn temp_dir() -> Arc<tempfile::TempDir> {
    Arc::new(
        tempfile::Builder::new()
            .prefix("kurator-test-")
            .tempdir()
            .unwrap(),
    )
}

fn skip_or_fail(var: &str, suite: &str) {
    if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") {
        panic!("{var} is not set but {REQUIRE_VAR}=1: the {suite} suite must run");
    }
    eprintln!("skipped: {var} is not set, the {suite} suite does not run");
}

fn unique_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

impl Backend {
    pub fn embedded() -> Self {
        Self {
            name: "embedded",
            data_dir: temp_dir(),
            postgres: None,
            redis: None,
        }
    }

    /// A fresh set of databases (control plane + one per demo tenant), or `None` when no
    /// PostgreSQL is configured.
    pub async fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var(DATABASE_URL_VAR) else {
            skip_or_fail(DATABASE_URL_VAR, "postgres");
            return None;
        };
        let databases = PostgresDatabases::create(&admin_url).await;
        Some(Self {
            name: "postgres",
            data_dir: temp_dir(),
            postgres: Some(Arc::new(databases)),
            redis: None,
        })
    }

    /// Sessions and counters in Redis under a prefix no other test uses.
    pub fn redis() -> Option<Self> {
        let Ok(url) = std::env::var(REDIS_URL_VAR) else {
            skip_or_fail(REDIS_URL_VAR, "redis");
            return None;
        };
        let key_prefix = format!("kurator-test:{}:", unique_suffix());
        Some(Self {
            name: "redis",
            data_dir: temp_dir(),
            postgres: None,
            redis: Some(RedisNamespace { url, key_prefix }),
        })
    }

    /// The control plane's database, as the application reaches it.
    pub fn control_url(&self) -> String {
        match &self.postgres {
            Some(pg) => pg.url_for("control"),
            None => format!(
                "sqlite://{}/control.sqlite?mode=rwc",
                self.data_dir.path().display()
            ),
        }
    }

    /// The database a new organisation `slug` gets.
    pub fn tenant_url(&self, slug: &str) -> String {
        match &self.postgres {
            Some(pg) => pg.url_for(slug),
            None => format!(
                "sqlite://{}/tenants/{slug}.sqlite?mode=rwc",
                self.data_dir.path().display()
            ),
        }
    }

    /// The settings that point an application at this backend.
    pub fn settings_json(&self) -> serde_json::Value {
        let mut settings = serde_json::json!({
            "data_dir": self.data_dir.path().to_string_lossy(),
            // Tests send many requests from one address in moments; the edge's own tests set the
            // rate limits they look at (a limit of 0 is off).
            "server": {
                "port": 0,
                "rate_limit": {
                    "sign_in": { "per_address": 0, "overall": 0 },
                    "api": { "per_address": 0, "overall": 0 },
                },
            },
            // Tests make the work they look at; the demo's example cases would only be in the way.
            "demo": { "example_cases": false },
            // Tests that look at reminders run the deadline worker themselves, at the instant
            // they choose; a background one would only add statements to count.
            "worker": { "enabled": false },
        });
        if let Some(pg) = &self.postgres {
            settings["database"] = serde_json::json!({
                "control_url": pg.url_for("control"),
                "analytics_url": pg.url_for("analytics"),
                "tenant_url_template": pg.url_for("{tenant}"),
                "max_connections": 5,
                "app_user": APP_LOGIN,
            });
        }
        if let Some(redis) = &self.redis {
            settings["redis"] =
                serde_json::json!({ "url": redis.url, "key_prefix": redis.key_prefix });
        }
        settings
    }
}

/// The databases of one PostgreSQL test, dropped when the last handle goes.
pub struct PostgresDatabases {
    admin_url: String,
    prefix: String,
}

/// The application's roles on a PostgreSQL server: `kurator_tenant_app` and the login tests run
/// the application as. Roles belong to the whole server and tests run side by side: they are
/// created idempotently.
pub async fn ensure_app_roles(admin: &sea_orm::DatabaseConnection) {
    admin
        .execute_unprepared(&format!(
            "DO $$ BEGIN
                 CREATE ROLE kurator_tenant_app NOLOGIN NOBYPASSRLS;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $$;
             DO $$ BEGIN
                 CREATE ROLE {APP_LOGIN} LOGIN NOBYPASSRLS;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $$;
             DO $$ BEGIN
                 GRANT kurator_tenant_app TO {APP_LOGIN};
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $$;"
        ))
        .await
        .unwrap();
}

/// The second PostgreSQL server's maintenance URL, or `None` (the test is skipped, or fails when
/// services are required).
pub fn second_server() -> Option<String> {
    match std::env::var(SECOND_DATABASE_URL_VAR) {
        Ok(url) => Some(url),
        Err(_) => {
            skip_or_fail(SECOND_DATABASE_URL_VAR, "second-server");
            None
        }
    }
}

impl PostgresDatabases {
    /// This test's name prefix for databases.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    async fn create(admin_url: &str) -> Self {
        let prefix = format!("kurator_test_{}", unique_suffix());
        let admin = Database::connect(admin_url).await.unwrap();
        ensure_app_roles(&admin).await;
        for name in ["control", "analytics"]
            .into_iter()
            .chain(DEMO_TENANTS)
            .chain(EXTRA_TENANTS)
        {
            admin
                .execute_unprepared(&format!("CREATE DATABASE {prefix}_{name}"))
                .await
                .unwrap();
        }
        admin.close().await.unwrap();
        Self {
            admin_url: admin_url.to_owned(),
            prefix,
        }
    }

    /// The URL of this test's database `name` (`{tenant}` is left for the application to fill).
    pub fn url_for(&self, name: &str) -> String {
        let base = self.admin_url.split('?').next().unwrap_or(&self.admin_url);
        let server = base
            .rsplit_once('/')
            .map(|(server, _)| server)
            .unwrap_or(base);
        format!("{server}/{}_{name}", self.prefix)
    }
}

impl Drop for PostgresDatabases {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let prefix = self.prefix.clone();
        // Drop runs inside the test's runtime; the clean-up gets its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let Ok(admin) = Database::connect(&admin_url).await else {
                    return;
                };
                for name in ["control", "analytics"]
                    .into_iter()
                    .chain(DEMO_TENANTS)
                    .chain(EXTRA_TENANTS)
                    .chain(CREATED_TENANTS)
                {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS {prefix}_{name} WITH (FORCE)"
                        ))
                        .await;
                }
                let _ = admin.close().await;
            });
        })
        .join();
    }
}
