//! Opening databases and bringing their schema up to date.

use crate::StoreError;
use kurator_migrations::{AnalyticsMigrator, ControlPlaneMigrator, MigratorTrait, TenantMigrator};
use sea_orm::sqlx::sqlite::SqliteSynchronous;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Counts the SQL statements a pool runs: a metric, and how tests show that a list does not cost
/// one query per row. While recording is on (tests only), it also keeps the statements, so that a
/// test can ask the database how many rows each of them reads.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter {
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
    recording: std::sync::Arc<std::sync::atomic::AtomicBool>,
    recorded: std::sync::Arc<std::sync::Mutex<Vec<sea_orm::Statement>>>,
}

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.count.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Starts keeping every statement run from now on (and forgets those kept before).
    pub fn start_recording(&self) {
        self.recorded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
        self.recording
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Stops keeping statements and returns those kept.
    pub fn stop_recording(&self) -> Vec<sea_orm::Statement> {
        self.recording
            .store(false, std::sync::atomic::Ordering::SeqCst);
        std::mem::take(
            &mut *self
                .recorded
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Installs the counter on a pool; every statement it runs from then on is counted.
    pub fn attach(&self, db: &mut DatabaseConnection) {
        let counter = self.clone();
        db.set_metric_callback(move |info| {
            counter
                .count
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if counter.recording.load(std::sync::atomic::Ordering::Relaxed) {
                counter
                    .recorded
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(info.statement.clone());
            }
        });
    }
}

/// Opens a pool on `url`. For a SQLite file URL the parent directory is created first.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, StoreError> {
    open_pool(url, max_connections, None).await
}

/// Pages the write-ahead log of a SQLite database may grow to before the commit that passes
/// them copies it into the database file (a checkpoint), on the connection writes go through.
/// SQLite's own default is 1 000 pages: a change of a case writes 10–15 (its record, the audit
/// entry, its obligations and their indexes), so every 70th to 100th change paid a checkpoint
/// of a few milliseconds while the person waited. At 4 000, one in about 300 does, and a page
/// written many times between two checkpoints (an index's last leaf, a busy case's obligations)
/// is copied once. The log file grows to about 16 MB before it starts over.
pub const SQLITE_WRITER_CHECKPOINT_PAGES: u32 = 4_000;

/// The one connection an organisation's SQLite database is written through by this process (see
/// [`SQLITE_WRITER_CHECKPOINT_PAGES`]). Writers take turns on SQLite anyway; a connection that
/// only writers use keeps its page cache from one write to the next, where a pooled connection
/// empties it whenever another connection wrote since its last transaction.
pub async fn connect_sqlite_writer(url: &str) -> Result<DatabaseConnection, StoreError> {
    open_pool(url, 1, Some(SQLITE_WRITER_CHECKPOINT_PAGES)).await
}

async fn open_pool(
    url: &str,
    max_connections: u32,
    checkpoint_pages: Option<u32>,
) -> Result<DatabaseConnection, StoreError> {
    if let Some(path) = sqlite_file_path(url)
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            StoreError::Database(DbErr::Custom(format!(
                "cannot create directory {}: {e}",
                parent.display()
            )))
        })?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // A connection in steady use is handed out as it is; only one idle for a while is pinged
        // first (pinging on every checkout was one more round trip per transaction).
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        // A writer waits for the write lock (held by another process, or a checkpoint) this long
        // instead of failing at once with "database is locked". Commits are `synchronous=FULL`:
        // the WAL is synced on every commit, so what a client was told is saved (a case record,
        // the audit entry of a card it read) survives a power cut, not only a crash of the
        // process — NORMAL could lose the last commits. The cost, one sync per commit, is shared
        // by the card views written together (see the casework audit).
        .map_sqlx_sqlite_opts(move |sqlite| {
            let sqlite = sqlite
                .busy_timeout(Duration::from_secs(10))
                .synchronous(SqliteSynchronous::Full);
            match checkpoint_pages {
                Some(pages) => sqlite.pragma("wal_autocheckpoint", pages.to_string()),
                None => sqlite,
            }
        });
    let db = Database::connect(options).await?;
    if url.starts_with("sqlite:") {
        // Readers do not block the writer; the setting persists in the file.
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
    }
    Ok(db)
}

/// How SQLite's planner statistics are refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteStatistics {
    /// Only tables that have none, or grew or shrank tenfold since (`PRAGMA optimize`): what an
    /// organisation's database gets whenever it is opened.
    WhereStale,
    /// Every table and index, as after a bulk load.
    All,
}

/// Brings a SQLite database's planner statistics up to date, keeping `sqlite_stat1` only: the
/// number of rows of each table and index and how many share a key, read from a bounded sample
/// (`analysis_limit`). The per-value samples of `sqlite_stat4` are dropped and never gathered:
/// with them, a statement whose plan looked at the value bound to a parameter is compiled again
/// every time that value changes, which is every time a statement looks a case up by its id.
/// Nothing to do on PostgreSQL, whose autovacuum keeps its own statistics.
pub async fn refresh_sqlite_statistics(
    db: &DatabaseConnection,
    which: SqliteStatistics,
) -> Result<(), StoreError> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        return Ok(());
    }
    // One string, so that the limit and the analysis run on the same connection; the limit
    // (bit 0x10) is also what keeps `PRAGMA optimize` from gathering samples.
    let analyse = match which {
        SqliteStatistics::WhereStale => "PRAGMA optimize = 0x10012",
        SqliteStatistics::All => "PRAGMA analysis_limit = 2000; ANALYZE",
    };
    db.execute_unprepared(&format!("DROP TABLE IF EXISTS sqlite_stat4; {analyse}"))
        .await?;
    Ok(())
}

fn sqlite_file_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(":memory:")).then_some(path)
}

/// The same database URL with another user (and password): how the application reaches a tenant
/// database as its non-owner role after migrating it as the owner.
pub fn with_user(
    database_url: &str,
    user: &str,
    password: Option<&str>,
) -> Result<String, StoreError> {
    let invalid = || StoreError::Database(DbErr::Custom("database URL cannot carry a user".into()));
    let mut parsed = url::Url::parse(database_url).map_err(|_| invalid())?;
    parsed.set_username(user).map_err(|_| invalid())?;
    parsed.set_password(password).map_err(|_| invalid())?;
    Ok(parsed.to_string())
}

/// Whether a new database could be made at `url`.
#[derive(Debug, PartialEq, Eq)]
pub enum NewDatabase {
    Created,
    /// Something is already there (a file, or a database of that name): nothing was touched.
    AlreadyExists,
}

/// Makes the empty database a new organisation's data goes into. A SQLite file is created with
/// its directory; on PostgreSQL, `CREATE DATABASE` runs on the server's maintenance database
/// (`postgres`) as the URL's login. An existing database is never reused: it could hold another
/// organisation's data.
#[tracing::instrument(skip_all)]
pub async fn create_database(url: &str) -> Result<NewDatabase, StoreError> {
    if url.starts_with("sqlite:") {
        let Some(path) = sqlite_file_path(url) else {
            return Err(StoreError::Database(DbErr::Custom(
                "an organisation's SQLite database must be a file".into(),
            )));
        };
        if std::path::Path::new(path).exists() {
            return Ok(NewDatabase::AlreadyExists);
        }
        connect(url, 1).await?.close().await?;
        return Ok(NewDatabase::Created);
    }
    let invalid = || StoreError::Database(DbErr::Custom("malformed database URL".into()));
    let mut parsed = url::Url::parse(url).map_err(|_| invalid())?;
    let name = parsed.path().trim_start_matches('/').to_owned();
    // Only names Kurator makes itself (letters, digits, `_`): nothing to quote or escape.
    let plain = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !plain {
        return Err(StoreError::Database(DbErr::Custom(
            "a new organisation's database name must be lower-case letters, digits and _".into(),
        )));
    }
    parsed.set_path("/postgres");
    let server = connect(parsed.as_str(), 1).await?;
    let exists = server
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [name.clone().into()],
        ))
        .await?
        .is_some();
    let outcome = if exists {
        NewDatabase::AlreadyExists
    } else {
        server
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        NewDatabase::Created
    };
    server.close().await?;
    Ok(outcome)
}

/// Removes a database [`create_database`] made, for an organisation whose creation failed
/// half-way. Only for that: everything in it is lost.
#[tracing::instrument(skip_all)]
pub async fn drop_database(url: &str) -> Result<(), StoreError> {
    if url.starts_with("sqlite:") {
        if let Some(path) = sqlite_file_path(url) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
        return Ok(());
    }
    let invalid = || StoreError::Database(DbErr::Custom("malformed database URL".into()));
    let mut parsed = url::Url::parse(url).map_err(|_| invalid())?;
    let name = parsed.path().trim_start_matches('/').to_owned();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(invalid());
    }
    parsed.set_path("/postgres");
    let server = connect(parsed.as_str(), 1).await?;
    server
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    server.close().await?;
    Ok(())
}

/// The advisory lock every Kurator process takes to migrate a PostgreSQL database (advisory
/// locks belong to one database, so organisations on one server do not wait for each other).
const MIGRATION_LOCK: i64 = 0x004b_7572_6174_6f72; // "Kurator"

/// Runs `migrate` holding the database's migration lock (PostgreSQL): replicas starting at once,
/// or `kurator migrate` run twice, take turns, and the later ones find nothing left to do. The
/// lock is held by a transaction on a connection of its own from `db`'s pool, so the pool needs
/// two connections. SQLite files belong to the one process of the embedded default, whose
/// migrations take turns within it.
async fn under_migration_lock<F>(db: &DatabaseConnection, migrate: F) -> Result<(), StoreError>
where
    F: Future<Output = Result<(), DbErr>>,
{
    static SQLITE_TURNS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        let _turn = SQLITE_TURNS.lock().await;
        return Ok(migrate.await?);
    }
    let lock = sea_orm::TransactionTrait::begin(db).await?;
    lock.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        .await?;
    let result = migrate.await;
    // Committing ends the transaction and with it the lock.
    lock.commit().await?;
    Ok(result?)
}

#[tracing::instrument(skip_all)]
pub async fn migrate_control_plane(db: &DatabaseConnection) -> Result<(), StoreError> {
    under_migration_lock(db, ControlPlaneMigrator::up(db, None)).await
}

#[tracing::instrument(skip_all)]
pub async fn migrate_tenant(db: &DatabaseConnection) -> Result<(), StoreError> {
    under_migration_lock(db, TenantMigrator::up(db, None)).await
}

#[tracing::instrument(skip_all)]
pub async fn migrate_analytics(db: &DatabaseConnection) -> Result<(), StoreError> {
    under_migration_lock(db, AnalyticsMigrator::up(db, None)).await
}

/// Migrations not yet applied to the analytics store.
pub async fn pending_analytics(db: &DatabaseConnection) -> Result<usize, StoreError> {
    Ok(AnalyticsMigrator::get_pending_migrations(db).await?.len())
}

/// Migrations not yet applied to the control plane.
pub async fn pending_control_plane(db: &DatabaseConnection) -> Result<usize, StoreError> {
    Ok(ControlPlaneMigrator::get_pending_migrations(db)
        .await?
        .len())
}

/// Migrations not yet applied to an organisation's database.
pub async fn pending_tenant(db: &DatabaseConnection) -> Result<usize, StoreError> {
    Ok(TenantMigrator::get_pending_migrations(db).await?.len())
}

use sea_orm::ConnectionTrait as _;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_application_user_replaces_the_owner_in_a_url() {
        let url = with_user(
            "postgres://owner:secret@db:5432/kurator_fund",
            "kurator_app",
            None,
        )
        .unwrap();
        assert_eq!(url, "postgres://kurator_app@db:5432/kurator_fund");
        let url = with_user("postgres://db/kurator_fund", "app", Some("pw")).unwrap();
        assert_eq!(url, "postgres://app:pw@db/kurator_fund");
    }

    #[test]
    fn sqlite_paths_are_found_in_urls() {
        assert_eq!(
            sqlite_file_path("sqlite://data/control.sqlite?mode=rwc"),
            Some("data/control.sqlite")
        );
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(sqlite_file_path("postgres://db/x"), None);
    }

    /// A scratch SQLite file, removed with its directory when dropped.
    struct ScratchFile(std::path::PathBuf);

    impl ScratchFile {
        fn new() -> Self {
            Self(std::env::temp_dir().join(format!("kurator-store-{}", uuid::Uuid::now_v7())))
        }

        fn url(&self) -> String {
            format!("sqlite://{}/db.sqlite?mode=rwc", self.0.display())
        }
    }

    impl Drop for ScratchFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                sql,
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }

    async fn samples(db: &DatabaseConnection) -> i64 {
        let exists = number(
            db,
            "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'",
        )
        .await;
        if exists == 0 {
            return 0;
        }
        number(db, "SELECT count(*) FROM sqlite_stat4").await
    }

    /// The planner keeps the counts of `sqlite_stat1` and never the per-value samples of
    /// `sqlite_stat4`, whatever an earlier `ANALYZE` left: with samples, a statement looking a
    /// case up by its id was compiled again at every execution.
    #[tokio::test]
    async fn a_sqlite_database_keeps_counts_for_its_planner_but_no_samples() {
        let file = ScratchFile::new();
        let db = connect(&file.url(), 1).await.unwrap();
        db.execute_unprepared(
            "CREATE TABLE visits (id INTEGER PRIMARY KEY, case_no INTEGER NOT NULL); \
             CREATE INDEX visits_by_case ON visits (case_no); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
             INSERT INTO visits (case_no) SELECT i % 97 FROM n; \
             ANALYZE",
        )
        .await
        .unwrap();
        assert!(
            samples(&db).await > 0,
            "a plain ANALYZE gathers samples in this build of SQLite"
        );

        refresh_sqlite_statistics(&db, SqliteStatistics::WhereStale)
            .await
            .unwrap();
        assert_eq!(samples(&db).await, 0);
        assert!(number(&db, "SELECT count(*) FROM sqlite_stat1").await > 0);

        db.execute_unprepared(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) \
             INSERT INTO visits (case_no) SELECT i % 89 FROM n",
        )
        .await
        .unwrap();
        refresh_sqlite_statistics(&db, SqliteStatistics::All)
            .await
            .unwrap();
        assert_eq!(samples(&db).await, 0);
        let counted = number(
            &db,
            "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE idx = 'visits_by_case'",
        )
        .await;
        assert!(
            counted > 2000,
            "the counts describe the grown table: {counted}"
        );
    }

    /// An organisation's writes go through one connection whose write-ahead log is copied into
    /// the file every 4 000 pages, not SQLite's 1 000; other connections keep SQLite's default.
    #[tokio::test]
    async fn sqlite_writes_have_a_connection_of_their_own_that_checkpoints_less_often() {
        let file = ScratchFile::new();
        let pool = connect(&file.url(), 4).await.unwrap();
        let writer = connect_sqlite_writer(&file.url()).await.unwrap();
        assert_eq!(number(&pool, "PRAGMA wal_autocheckpoint").await, 1000);
        assert_eq!(
            number(&writer, "PRAGMA wal_autocheckpoint").await,
            i64::from(SQLITE_WRITER_CHECKPOINT_PAGES)
        );
        assert_eq!(
            writer
                .get_sqlite_connection_pool()
                .options()
                .get_max_connections(),
            1
        );
        writer
            .execute_unprepared("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x')")
            .await
            .unwrap();
        assert_eq!(number(&pool, "SELECT count(*) FROM notes").await, 1);
    }
}
