//! Configuration, layered: built-in defaults → optional TOML file → `KURATOR__…` environment
//! variables (`KURATOR__SERVER__PORT=8080`). Secrets (database and Redis URLs) are wrapped so they
//! never print in logs or `Debug` output.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The placement every platform has: the database server (or data directory) configured in
/// `[database]`.
pub const DEFAULT_PLACEMENT: &str = "default";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// The embedded default: GraphiQL on, demo data seeded, pretty logs.
    Development,
    /// Production: no GraphiQL, no demo data unless asked for, JSON logs.
    Production,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub environment: Environment,
    pub server: ServerSettings,
    /// Where the embedded default keeps its SQLite files.
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub auth: AuthSettings,
    pub graphql: GraphqlSettings,
    pub telemetry: TelemetrySettings,
    pub demo: DemoSettings,
    pub worker: WorkerSettings,
    pub smtp: SmtpSettings,
    pub analytics: AnalyticsSettings,
}

/// Publication of the organisations' indicators for comparison (issue 12): the deadline worker
/// computes each organisation's figures inside it every night, protects them and publishes them
/// into the analytics store (`database.analytics_url`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsSettings {
    /// Whether the worker publishes at all.
    pub enabled: bool,
    /// The local hour (in the organisation's time zone) from which the night's publication runs;
    /// an organisation that never published does so at the first run whatever the hour.
    pub publish_hour: u32,
    /// Months recomputed each night: the current one and the ones before it. Months that have
    /// closed (on the 10th of the next) get a new revision when their figures changed.
    pub months: u32,
    /// Disclosure control; each may only be raised above its default (5, 5, 20, 3).
    pub k: u32,
    pub rounding_base: u32,
    pub rate_min_denominator: u32,
    pub pooled_min_organisations: u32,
}

/// The deadline worker: advances obligations, plans reminders, escalations and digests, delivers
/// e-mail and webhooks. `kurator serve` runs it in the process when `enabled`; production runs it
/// as `kurator worker` and turns it off in the serving replicas.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    pub enabled: bool,
    /// Pause between two runs over every tenant.
    pub interval_ms: u64,
    /// Obligations advanced and messages planned or delivered per tenant per step.
    pub batch: u64,
    /// How long a worker's lease on a tenant lasts unless renewed (it renews every run).
    pub lease_seconds: u64,
    /// The local hour (in the tenant's time zone) from which the day's digests go out.
    pub digest_hour: u32,
    /// Attempts to deliver an e-mail or webhook before it is given up.
    pub max_attempts: u32,
    /// The first retry waits this long; each next one twice as long (capped at an hour).
    pub retry_base_ms: u64,
    /// How long a claimed message may be in flight before another run may take it again.
    pub claim_seconds: u64,
}

/// E-mail over SMTP for reminders and digests; off unless `host` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: Option<String>,
    pub port: u16,
    /// `starttls` (default), `tls` (implicit, port 465) or `none` (plain, loopback and tests only).
    pub security: String,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// The sender, e.g. `Kurator <noreply@example.org>`.
    pub from: String,
    pub timeout_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    /// `0` binds a free port (tests do this).
    pub port: u16,
    /// The address people open; printed at start. Defaults to `http://{host}:{port}`.
    pub public_url: Option<String>,
    /// A request not answered by then gets `503` and its work is dropped.
    pub request_timeout_seconds: u64,
    /// Requests served at once by this replica; more wait their turn.
    pub max_concurrent_requests: usize,
    /// Web origins of other sites allowed to call the API from a browser (CORS). Empty, the
    /// default: none — the web interface is served from Kurator's own origin and needs none.
    #[serde(default)]
    pub cors_allowed_origins: Vec<String>,
    /// Reverse proxies (load balancers, ingress) whose `X-Forwarded-For` is believed, by address.
    /// A request from any other peer is counted under the peer's own address. Empty, the default:
    /// the peer address is always the client's.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Requests allowed per client address and overall, for sign-in and for the API; over a
    /// limit the answer is `429` with `Retry-After`. Counted in Redis when `redis.url` is set
    /// (shared by every replica), in this process otherwise.
    pub rate_limit: RateLimitSettings,
}

/// The rate limits of the edge. A limit of `0` switches that limit off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Signing in: the web form (`POST /login`) and the GraphQL `login` mutation.
    pub sign_in: RateLimit,
    /// Everything else served: `/graphql` and the web pages (health checks are not counted).
    pub api: RateLimit,
}

/// Requests allowed within a window, per client address and for all clients together.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub per_address: u32,
    pub overall: u32,
    pub window_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Control plane (tenants, users, memberships). Default: `{data_dir}/control.sqlite`.
    pub control_url: Option<SecretString>,
    /// Used only when a tenant is created (demo seeding): its database URL with `{tenant}` standing
    /// for the tenant slug. Default: `{data_dir}/tenants/{tenant}.sqlite`. Afterwards each tenant's
    /// URL lives in the tenant registry, so tenants may sit on different servers.
    pub tenant_url_template: Option<SecretString>,
    /// The analytics store: what organisations publish for comparison, nothing else. Default:
    /// `{data_dir}/analytics.sqlite`.
    pub analytics_url: Option<SecretString>,
    pub max_connections: u32,
    /// PostgreSQL: the login role the application works as in tenant databases once they are
    /// migrated (as the owner, with the registry's URL). It owns no table and cannot bypass
    /// row-level security; it must be a member of `kurator_tenant_app`.
    pub app_user: Option<String>,
    pub app_password: Option<SecretString>,
    /// Whether a replica (and `kurator worker`) migrates the control plane and every
    /// organisation's database when it starts. Production turns it off and runs `kurator migrate`
    /// as a step of its own; a replica then refuses to start while a migration is pending. A new
    /// organisation's database is migrated when it is created either way.
    pub migrate_at_start: bool,
    /// Further places an organisation created at runtime may keep its data — another database
    /// server, or a server in another country where the law wants the data kept there — by name.
    /// The placement `default` is always there: `tenant_url_template` (or the data directory).
    #[serde(default)]
    pub placements: BTreeMap<String, PlacementSettings>,
}

/// A database server (or region) new organisations can be placed on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementSettings {
    /// What the platform administrator sees, e.g. «Казахстан, Алматы».
    pub label: String,
    /// A new organisation's database URL, `{tenant}` standing for its slug. On PostgreSQL the
    /// login must be allowed to create databases; the database is created when the organisation
    /// is.
    pub tenant_url_template: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    /// When set, sessions and rate-limit counters live in Redis; otherwise in-process.
    pub url: Option<SecretString>,
    /// Prepended to every key, so several deployments (or test runs) can share one Redis.
    pub key_prefix: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub session_ttl_minutes: u64,
    /// Failed logins for one login name allowed within the window; further attempts are refused
    /// (`too_many_attempts`, no password is checked) until the window ends or a success clears it.
    pub throttle_free_attempts: u32,
    /// How long failed attempts are remembered, from the first.
    pub throttle_window_seconds: u64,
    /// The key that seals secrets kept in the databases (organisations' single sign-on client
    /// secrets): 32 bytes, base64. Required in production; in development a key is generated into
    /// `data_dir/secrets.key` on first run when unset.
    #[serde(default)]
    pub secrets_key: Option<SecretString>,
    /// How long a request to an organisation's identity provider may take.
    #[serde(default = "default_sso_timeout_seconds")]
    pub sso_timeout_seconds: u64,
}

fn default_sso_timeout_seconds() -> u64 {
    10
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphqlSettings {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySettings {
    /// OTLP/gRPC collector, e.g. `http://127.0.0.1:4317`. Traces are exported only when set.
    pub otlp_endpoint: Option<String>,
    pub service_name: String,
    pub log_format: LogFormat,
    /// `tracing` filter directives, e.g. `info,kurator=debug`.
    pub log_filter: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    /// Seed the four demo tenants and their accounts. Default: on in development, off in production.
    pub seed: Option<bool>,
    /// The password every demo account gets.
    pub password: String,
    /// Also seed example signals and cases at different stages into the demo organisations.
    pub example_cases: bool,
}

const DEFAULTS: &str = r#"
environment = "development"
data_dir = "data"

[server]
host = "127.0.0.1"
port = 8080
request_timeout_seconds = 30
max_concurrent_requests = 512

[server.rate_limit.sign_in]
per_address = 30
overall = 600
window_seconds = 60

[server.rate_limit.api]
per_address = 1200
overall = 60000
window_seconds = 60

[database]
max_connections = 10
migrate_at_start = true

[redis]
key_prefix = "kurator:"

[auth]
session_ttl_minutes = 720
throttle_free_attempts = 5
throttle_window_seconds = 900

[graphql]
max_depth = 12
max_complexity = 2000
max_body_bytes = 1048576

[telemetry]
service_name = "kurator"
log_format = "pretty"
log_filter = "info,sqlx=warn,sea_orm=warn"

[demo]
password = "kurator-demo"
example_cases = true

[worker]
enabled = true
interval_ms = 30000
batch = 200
lease_seconds = 60
digest_hour = 8
max_attempts = 8
retry_base_ms = 2000
claim_seconds = 300

[analytics]
enabled = true
publish_hour = 2
months = 13
k = 5
rounding_base = 5
rate_min_denominator = 20
pooled_min_organisations = 3

[smtp]
port = 587
security = "starttls"
from = "Kurator <noreply@kurator.local>"
timeout_seconds = 30
"#;

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Defaults, then `file` (when given, it must exist), then `KURATOR__…` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError(format!(
                    "file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(Env::prefixed("KURATOR__").split("__"));
        figment.extract().map_err(|e| ConfigError(e.to_string()))
    }

    /// Defaults with a few values replaced; used by tests and tools.
    pub fn defaults_with(overrides: impl Serialize) -> Result<Self, ConfigError> {
        Figment::from(Toml::string(DEFAULTS))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| ConfigError(e.to_string()))
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    pub fn seed_demo(&self) -> bool {
        self.demo.seed.unwrap_or(!self.is_production())
    }

    /// The control-plane database URL, defaulting to a SQLite file in the data directory.
    pub fn control_database_url(&self) -> String {
        match &self.database.control_url {
            Some(url) => url.expose_secret().to_owned(),
            None => sqlite_url(&self.data_dir.join("control.sqlite")),
        }
    }

    /// The analytics store's database URL, defaulting to a SQLite file in the data directory.
    pub fn analytics_database_url(&self) -> String {
        match &self.database.analytics_url {
            Some(url) => url.expose_secret().to_owned(),
            None => sqlite_url(&self.data_dir.join("analytics.sqlite")),
        }
    }

    /// The database URL a new tenant gets.
    pub fn tenant_database_url(&self, slug: &str) -> String {
        match &self.database.tenant_url_template {
            Some(template) => template.expose_secret().replace("{tenant}", slug),
            None => sqlite_url(&self.data_dir.join("tenants").join(format!("{slug}.sqlite"))),
        }
    }

    /// The placements new organisations can be created on, `default` first: name and label.
    pub fn placements(&self) -> Vec<(String, String)> {
        let default_label = if self.database.tenant_url_template.is_some() {
            "Основной сервер баз данных".to_owned()
        } else {
            format!("Файлы SQLite в {}", self.data_dir.join("tenants").display())
        };
        std::iter::once((DEFAULT_PLACEMENT.to_owned(), default_label))
            .chain(
                self.database
                    .placements
                    .iter()
                    .filter(|(name, _)| name.as_str() != DEFAULT_PLACEMENT)
                    .map(|(name, p)| (name.clone(), p.label.clone())),
            )
            .collect()
    }

    /// The database URL an organisation `slug` gets on `placement`; `None` for a placement that
    /// is not configured.
    pub fn placement_database_url(&self, placement: &str, slug: &str) -> Option<String> {
        if placement == DEFAULT_PLACEMENT {
            return Some(self.tenant_database_url(slug));
        }
        let template = &self.database.placements.get(placement)?.tenant_url_template;
        Some(template.expose_secret().replace("{tenant}", slug))
    }

    /// The login the application uses in PostgreSQL tenant databases, if configured.
    pub fn tenant_app_login(&self) -> Option<(String, Option<String>)> {
        let user = self.database.app_user.clone()?;
        let password = self
            .database
            .app_password
            .as_ref()
            .map(|p| p.expose_secret().to_owned());
        Some((user, password))
    }

    /// Whether the control plane runs on the embedded SQLite default.
    pub fn uses_embedded_database(&self) -> bool {
        self.control_database_url().starts_with("sqlite:")
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_describe_the_embedded_default() {
        let settings = Settings::defaults_with(serde_json::json!({})).unwrap();
        assert_eq!(settings.environment, Environment::Development);
        assert!(settings.seed_demo());
        assert_eq!(
            settings.control_database_url(),
            "sqlite://data/control.sqlite?mode=rwc"
        );
        assert_eq!(
            settings.tenant_database_url("fund"),
            "sqlite://data/tenants/fund.sqlite?mode=rwc"
        );
        assert!(settings.redis.url.is_none());
    }

    #[test]
    fn production_does_not_seed_demo_data_unless_asked() {
        let settings =
            Settings::defaults_with(serde_json::json!({"environment": "production"})).unwrap();
        assert!(!settings.seed_demo());
    }

    #[test]
    fn secrets_never_print() {
        let settings = Settings::defaults_with(serde_json::json!({
            "database": {"control_url": "postgres://kurator:hunter2@db/control"},
            "redis": {"url": "redis://:s3cret@cache"}
        }))
        .unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("s3cret"), "{printed}");
    }

    #[test]
    fn a_tenant_url_template_names_the_tenant() {
        let settings = Settings::defaults_with(serde_json::json!({
            "database": {"tenant_url_template": "postgres://db/kurator_{tenant}"}
        }))
        .unwrap();
        assert_eq!(
            settings.tenant_database_url("clinic"),
            "postgres://db/kurator_clinic"
        );
    }

    #[test]
    fn unknown_settings_are_rejected() {
        let err = Settings::defaults_with(serde_json::json!({"server": {"prot": 1}})).unwrap_err();
        assert!(err.to_string().contains("prot"), "{err}");
    }
}
