//! `deploy/README.md`, "Installing by hand", followed step by step against a real PostgreSQL and
//! Redis, with the `kurator` binary itself: the deploy SQL as a superuser (its roles under a
//! prefix of this test's own), `kurator migrate` as the schema owner — a non-superuser — then
//! `kurator` in production mode serving as the application's role. Then, from below: every
//! connection Kurator keeps is the application's role, which owns nothing, cannot change the audit
//! trails (an organisation's or the platform's), and reads no organisation's rows without the
//! organisation set for its transaction.
//!
//! Runs when `KURATOR_TEST_DATABASE_URL` and `KURATOR_TEST_REDIS_URL` are set and `psql` is
//! installed; with `KURATOR_TEST_REQUIRE_SERVICES=1` their absence fails it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod deploy {
    mod postgres {
        use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, TransactionTrait};
        use std::collections::BTreeSet;
        use std::io::{BufRead, BufReader};
        use std::path::PathBuf;
        use std::process::{Child, Command, Stdio};
        use std::time::Duration;

        const OWNER_PASSWORD: &str = "owner-password-of-this-test";
        const APP_PASSWORD: &str = "app-password-of-this-test";

        /// The services, or `None` (the suite is skipped) unless they are required.
        fn services() -> Option<(String, String)> {
            let database = std::env::var("KURATOR_TEST_DATABASE_URL").ok();
            let redis = std::env::var("KURATOR_TEST_REDIS_URL").ok();
            let psql = Command::new("psql").arg("--version").output().is_ok();
            match (database, redis, psql) {
                (Some(database), Some(redis), true) => Some((database, redis)),
                _ if std::env::var("KURATOR_TEST_REQUIRE_SERVICES").as_deref() == Ok("1") => {
                    panic!(
                        "KURATOR_TEST_REQUIRE_SERVICES=1: the deployment test needs \
                         KURATOR_TEST_DATABASE_URL, KURATOR_TEST_REDIS_URL and psql"
                    )
                }
                _ => None,
            }
        }

        fn repository() -> PathBuf {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
        }

        /// One installation on the test server: its roles and databases, dropped at the end.
        struct Installation {
            admin_url: String,
            prefix: String,
            /// `host:port` of the server.
            server: String,
        }

        impl Installation {
            fn new(admin_url: &str) -> Self {
                let url = url::Url::parse(admin_url).unwrap();
                let server = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
                let prefix = format!(
                    "kdeploy_{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..10]
                );
                Self {
                    admin_url: admin_url.to_owned(),
                    prefix,
                    server,
                }
            }

            fn url(&self, database: &str) -> String {
                format!("postgres://{}/{}_{database}", self.server, self.prefix)
            }

            fn app(&self) -> String {
                format!("{}_app", self.prefix)
            }

            /// Step 1: the deploy SQL, as the superuser.
            fn create_roles_and_databases(&self) {
                let output = Command::new("psql")
                    .arg("-X")
                    .arg("-q")
                    .args(["-v", "ON_ERROR_STOP=1"])
                    .args(["-v", &format!("prefix={}", self.prefix)])
                    .arg("-f")
                    .arg(repository().join("deploy/postgres/init.sql"))
                    .arg(&self.admin_url)
                    .env("KURATOR_DB_OWNER_PASSWORD", OWNER_PASSWORD)
                    .env("KURATOR_DB_APP_PASSWORD", APP_PASSWORD)
                    .output()
                    .unwrap();
                assert!(
                    output.status.success(),
                    "init.sql: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }

            /// What the README exports for `kurator migrate` and for the replicas alike.
            fn kurator(&self, data_dir: &std::path::Path) -> Command {
                let mut command = Command::new(env!("CARGO_BIN_EXE_kurator"));
                command
                    .env_clear()
                    .env("PATH", std::env::var("PATH").unwrap_or_default())
                    .env("KURATOR__ENVIRONMENT", "production")
                    .env("KURATOR__DATA_DIR", data_dir)
                    .env("KURATOR__DATABASE__CONTROL_URL", self.url("control"))
                    .env("KURATOR__DATABASE__ANALYTICS_URL", self.url("analytics"))
                    .env(
                        "KURATOR__DATABASE__TENANT_URL_TEMPLATE",
                        format!("postgres://{}/{}_{{tenant}}", self.server, self.prefix),
                    )
                    .env("KURATOR__DEMO__SEED", "true")
                    .env("KURATOR__DEMO__EXAMPLE_CASES", "false")
                    .env("KURATOR__TELEMETRY__LOG_FILTER", "warn")
                    .env("PGUSER", &self.prefix)
                    .env("PGPASSWORD", OWNER_PASSWORD);
                command
            }
        }

        impl Drop for Installation {
            fn drop(&mut self) {
                let sql = format!(
                    "SELECT format('DROP DATABASE %I WITH (FORCE)', datname) FROM pg_database \
                     WHERE datname LIKE '{p}\\_%' \\gexec\n\
                     DROP ROLE IF EXISTS {p}_app;\nDROP ROLE IF EXISTS {p};\n",
                    p = self.prefix
                );
                let mut psql = Command::new("psql")
                    .args(["-X", "-q", &self.admin_url])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap();
                if let Some(mut stdin) = psql.stdin.take() {
                    use std::io::Write;
                    let _ = stdin.write_all(sql.as_bytes());
                }
                let _ = psql.wait();
            }
        }

        /// The server, killed when the test ends however it ends.
        struct Server(Child);

        impl Drop for Server {
            fn drop(&mut self) {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }

        /// Reads the banner until it names the address Kurator serves on.
        fn serving_at(child: &mut Child) -> String {
            let stdout = child.stdout.take().unwrap();
            let (found, address) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(url) = line
                        .split("is running: ")
                        .nth(1)
                        .map(|rest| rest.trim().trim_end_matches('/').to_owned())
                    {
                        let _ = found.send(url);
                    }
                }
            });
            address
                .recv_timeout(Duration::from_secs(180))
                .expect("kurator did not start")
        }

        async fn scalar(db: &impl ConnectionTrait, sql: &str) -> i64 {
            db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<i64>(0)
                .unwrap()
        }

        async fn refused(db: &DatabaseConnection, sql: &str) {
            let message = db.execute_unprepared(sql).await.expect_err(sql).to_string();
            assert!(
                message.contains("permission denied") || message.contains("must be owner"),
                "{sql}: {message}"
            );
        }

        async fn graphql(
            client: &reqwest::Client,
            base: &str,
            query: &str,
            token: Option<&str>,
            tenant: Option<&str>,
        ) -> serde_json::Value {
            let mut request = client
                .post(format!("{base}/graphql"))
                .json(&serde_json::json!({ "query": query }));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(tenant) = tenant {
                request = request.header("X-Kurator-Tenant", tenant);
            }
            request.send().await.unwrap().json().await.unwrap()
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_documented_steps_give_a_stack_serving_as_a_role_that_owns_nothing() {
            let Some((admin_url, redis_url)) = services() else {
                return;
            };
            let installation = Installation::new(&admin_url);
            let data_dir = tempfile::tempdir().unwrap();

            // 1. Roles and databases, as the superuser.
            installation.create_roles_and_databases();

            // 2. `kurator migrate`, as the owner; twice at once, as two deploys might.
            let runs: Vec<_> = (0..2)
                .map(|_| {
                    installation
                        .kurator(data_dir.path())
                        .arg("migrate")
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .unwrap()
                })
                .collect();
            for run in runs {
                let output = run.wait_with_output().unwrap();
                assert!(
                    output.status.success(),
                    "kurator migrate: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                let said = String::from_utf8_lossy(&output.stdout);
                assert!(said.contains("fund") && said.contains("clinic"), "{said}");
            }

            // 3. The replica: no migration at start, the application's role, Redis.
            let prefix = format!("kurator-deploy-{}:", uuid::Uuid::new_v4().simple());
            let mut child = installation
                .kurator(data_dir.path())
                .env("KURATOR__DATABASE__MIGRATE_AT_START", "false")
                .env("KURATOR__DATABASE__APP_USER", installation.app())
                .env("KURATOR__DATABASE__APP_PASSWORD", APP_PASSWORD)
                .env(
                    "KURATOR__AUTH__SECRETS_KEY",
                    "a3VyYXRvci1kZXBsb3ktdGVzdC1zZWNyZXRzLWtleTI=",
                )
                .env("KURATOR__REDIS__URL", &redis_url)
                .env("KURATOR__REDIS__KEY_PREFIX", &prefix)
                .env("KURATOR__SERVER__HOST", "127.0.0.1")
                .env("KURATOR__SERVER__PORT", "0")
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap();
            let base = serving_at(&mut child);
            let _server = Server(child);

            let client = reqwest::Client::new();
            let ready: serde_json::Value = client
                .get(format!("{base}/health/ready"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(ready, serde_json::json!({ "status": "ready" }));
            let login = graphql(
                &client,
                &base,
                "mutation { login(login: \"fund.supervisor\", password: \"kurator-demo\") { token } }",
                None,
                None,
            )
            .await;
            let token = login["data"]["login"]["token"]
                .as_str()
                .unwrap_or_else(|| panic!("{login}"))
                .to_owned();
            let variant = graphql(
                &client,
                &base,
                "{ variant { key } }",
                Some(&token),
                Some("fund"),
            )
            .await;
            assert!(variant["data"]["variant"]["key"].is_string(), "{variant}");

            // Every connection Kurator holds now is the application's role.
            let admin = Database::connect(&admin_url).await.unwrap();
            let users: BTreeSet<String> = admin
                .query_all_raw(Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    format!(
                        "SELECT DISTINCT usename::text AS u FROM pg_stat_activity \
                         WHERE datname LIKE '{}\\_%'",
                        installation.prefix
                    ),
                ))
                .await
                .unwrap()
                .into_iter()
                .map(|row| row.try_get::<String>("", "u").unwrap())
                .collect();
            assert_eq!(users, BTreeSet::from([installation.app()]));

            // From below, as that role.
            let as_app = |database: &str| {
                installation.url(database).replacen(
                    "postgres://",
                    &format!("postgres://{}:{APP_PASSWORD}@", installation.app()),
                    1,
                )
            };
            let fund = Database::connect(as_app("fund")).await.unwrap();
            let owned = scalar(
                &fund,
                &format!(
                    "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner \
                     WHERE r.rolname = '{}'",
                    installation.app()
                ),
            )
            .await;
            assert_eq!(owned, 0, "the application's role owns nothing");
            let powers = fund
                .query_one_raw(Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles \
                     WHERE rolname = current_user",
                ))
                .await
                .unwrap()
                .unwrap();
            for power in ["rolsuper", "rolbypassrls", "rolcreaterole", "rolcreatedb"] {
                assert!(!powers.try_get::<bool>("", power).unwrap(), "{power}");
            }
            // The audit trail: read and appended to, never changed.
            for statement in [
                "UPDATE audit_log SET action = 'forged'",
                "DELETE FROM audit_log",
                "TRUNCATE audit_log",
                "ALTER TABLE audit_log DISABLE TRIGGER ALL",
            ] {
                refused(&fund, statement).await;
            }
            // Without the organisation set for the transaction, no row; with it, its rows.
            assert_eq!(scalar(&fund, "SELECT count(*) FROM variants").await, 0);
            let tenant_id: String = admin_query_tenant_id(&installation, "fund").await;
            let tx = fund.begin().await.unwrap();
            tx.execute_unprepared(&format!(
                "SELECT set_config('app.tenant_id', '{tenant_id}', true)"
            ))
            .await
            .unwrap();
            assert!(scalar(&tx, "SELECT count(*) FROM variants").await >= 1);
            tx.commit().await.unwrap();
            // The control plane's outbox too: added to and marked, never removed.
            let control = Database::connect(as_app("control")).await.unwrap();
            refused(&control, "DELETE FROM audit_outbox").await;
            refused(&control, "DELETE FROM users").await;
            // The platform's own trail: read and appended to, never changed or removed.
            control
                .execute_unprepared(&format!(
                    "INSERT INTO platform_audit (id, at, action, entity) \
                     VALUES ('{}', now(), 'deploy.check', 'platform')",
                    uuid::Uuid::new_v4()
                ))
                .await
                .unwrap();
            assert!(scalar(&control, "SELECT count(*) FROM platform_audit").await >= 1);
            for statement in [
                "UPDATE platform_audit SET action = 'forged'",
                "DELETE FROM platform_audit",
                "TRUNCATE platform_audit",
                "ALTER TABLE platform_audit DISABLE TRIGGER ALL",
            ] {
                refused(&control, statement).await;
            }
        }

        async fn admin_query_tenant_id(installation: &Installation, slug: &str) -> String {
            let owner = Database::connect(installation.url("control").replacen(
                "postgres://",
                &format!("postgres://{}:{OWNER_PASSWORD}@", installation.prefix),
                1,
            ))
            .await
            .unwrap();
            owner
                .query_one_raw(Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    format!("SELECT id::text AS id FROM tenants WHERE slug = '{slug}'"),
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get::<String>("", "id")
                .unwrap()
        }
    }
}
