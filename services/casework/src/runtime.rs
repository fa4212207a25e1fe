//! The runtime of one tenant: its own database handle, its published method variants and its
//! calendar (the shipped one with the organisation's own days, [`crate::calendar`]). The only
//! way to reach a tenant's data is through its runtime.

use crate::audit;
use crate::calendar::{OrganisationCalendar, OwnDays};
use crate::error::{CaseworkError, CaseworkResult};
use crate::published::Published;
use kurator_domain::TenantId;
use kurator_method::Variant;
use kurator_method::calendar::Calendar;
use kurator_store::control::TenantRow;
use kurator_store::tenant::{calendar as calendar_changes, variants};
use kurator_store::{SqliteStatistics, StatementCounter, StoreError, TenantTx};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Mutex;

pub struct TenantRuntime {
    tenant: TenantRow,
    db: DatabaseConnection,
    /// Where writing transactions run: on SQLite one connection of their own
    /// ([`kurator_store::connect_sqlite_writer`]), on PostgreSQL the pool itself.
    writer: DatabaseConnection,
    /// Published versions of the tenant's variant, shared with the obligations keeper; a version
    /// published later (here or by another replica) is added without a restart.
    variants: Arc<Published>,
    /// The production calendar with the organisation's own days, shared with the obligations
    /// keeper and swapped whole after a change (here or, seen by the keeper, on another replica).
    calendar: Arc<OrganisationCalendar>,
    statements: StatementCounter,
    /// On SQLite, writing transactions take turns (see [`TenantTx::begin_serialized`]); readers
    /// take none.
    sqlite_turns: Option<Arc<Mutex<()>>>,
    /// Writes the audit records of opened case cards, several requests' in one transaction.
    views: audit::ViewWriter,
    /// Serialises caseload decisions inside this process (PostgreSQL adds an advisory lock for
    /// several processes).
    pub(crate) assignment_lock: Mutex<()>,
    /// Rewrites a changed case's stored obligations before its transaction commits.
    keeper: Arc<crate::obligations::Keeper>,
    /// For crash tests: a variant migration stops (as if the process died) after this many
    /// cases were moved; 0 for never.
    migration_failpoint: AtomicUsize,
}

impl TenantRuntime {
    /// Connects to the tenant's own database (its URL comes from the tenant registry), brings its
    /// schema up to date, and loads its method variants — publishing the preset it started from
    /// as the first version when there is none yet.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    ///
    /// With `app_login` (PostgreSQL), migrations run as the URL's owner and the runtime then works
    /// as the application's own role, which owns no table and cannot bypass row-level security.
    pub async fn open(
        tenant: TenantRow,
        max_connections: u32,
        app_login: Option<&(String, Option<String>)>,
        migrate: bool,
    ) -> CaseworkResult<Self> {
        let mut db = kurator_store::connect(&tenant.database_url, max_connections).await?;
        if migrate {
            kurator_store::migrate_tenant(&db).await?;
        } else {
            require_migrated(&db, &tenant).await?;
        }
        let is_postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
        // SQLite keeps no statistics by itself; its planner chooses indexes by them (e.g. a
        // page's case teams by case rather than every membership of the organisation).
        kurator_store::refresh_sqlite_statistics(&db, SqliteStatistics::WhereStale).await?;
        if let (Some((user, password)), true) = (app_login, is_postgres) {
            let owner = db;
            let url = kurator_store::with_user(&tenant.database_url, user, password.as_deref())?;
            db = kurator_store::connect(&url, max_connections).await?;
            owner.close().await?;
        }

        let tx = TenantTx::begin(&db, tenant.id).await?;
        let mut rows = variants::all(&tx).await?;
        if rows.is_empty() {
            let preset = starting_variant(&tenant.preset)?;
            let document = serde_json::from_str(&preset.to_json())
                .map_err(|e| CaseworkError::Variant(e.to_string()))?;
            let version = i32::try_from(preset.version()).unwrap_or(1);
            rows.push(variants::publish(&tx, preset.key(), version, document, None).await?);
        }
        let own_days = OwnDays::replay(&calendar_changes::changes(&tx).await?)?;
        tx.commit().await?;

        let sqlite_turns = (!is_postgres).then(|| Arc::new(Mutex::new(())));
        let statements = StatementCounter::default();
        statements.attach(&mut db);
        let writer = if is_postgres {
            db.clone()
        } else {
            let mut writer = kurator_store::connect_sqlite_writer(&tenant.database_url).await?;
            statements.attach(&mut writer);
            writer
        };
        let views = audit::ViewWriter::start(writer.clone(), tenant.id, sqlite_turns.clone());

        let published = Arc::new(Published::default());
        published
            .insert_rows(rows)
            .map_err(CaseworkError::Variant)?;
        let latest = published
            .latest()
            .ok_or_else(|| CaseworkError::Variant("no published variant".into()))?;
        let shipped =
            Calendar::for_variant(latest).map_err(|e| CaseworkError::Variant(e.to_string()))?;
        let calendar = Arc::new(OrganisationCalendar::new(
            latest.calendar_region(),
            shipped,
            own_days,
        ));
        let keeper = Arc::new(crate::obligations::Keeper {
            variants: published.clone(),
            calendar: calendar.clone(),
        });
        Ok(Self {
            keeper,
            tenant,
            db,
            writer,
            variants: published,
            calendar,
            statements,
            sqlite_turns,
            views,
            assignment_lock: Mutex::new(()),
            migration_failpoint: AtomicUsize::new(0),
        })
    }

    pub fn tenant(&self) -> &TenantRow {
        &self.tenant
    }

    /// A transaction bound to this tenant that may write; the only way to change its data.
    /// Every case it changes gets its stored obligations rewritten before it commits.
    pub async fn begin(&self) -> Result<TenantTx, StoreError> {
        let tx = begin_writer(&self.writer, self.tenant.id, self.sqlite_turns.as_ref()).await?;
        Ok(tx.with_before_commit(self.keeper.clone()))
    }

    /// A transaction bound to this tenant that only reads (lists, case files, journals): it
    /// waits for no writer, and on PostgreSQL the database refuses a write in it.
    pub async fn read(&self) -> Result<TenantTx, StoreError> {
        TenantTx::begin_read(&self.db, self.tenant.id).await
    }

    /// The card-view writer, for [`audit::viewed`].
    pub(crate) fn views(&self) -> &audit::ViewWriter {
        &self.views
    }

    /// The newest published version: new cases start under it.
    pub fn current_variant(&self) -> CaseworkResult<&Arc<Variant>> {
        self.variants
            .latest()
            .ok_or_else(|| CaseworkError::Variant("no published variant".into()))
    }

    /// The version a case is pinned to, as this replica knows it (see [`Self::variant_in`]).
    pub fn variant(&self, version: i32) -> CaseworkResult<&Arc<Variant>> {
        u32::try_from(version)
            .ok()
            .and_then(|v| self.variants.get(v))
            .ok_or_else(|| {
                CaseworkError::Variant(format!("variant version {version} is not published"))
            })
    }

    /// The version a case is pinned to; one this replica does not know yet (another replica
    /// published it) is read from the database in `tx` first.
    pub async fn variant_in(&self, tx: &TenantTx, version: i32) -> CaseworkResult<&Arc<Variant>> {
        if let Ok(variant) = self.variant(version) {
            return Ok(variant);
        }
        self.variants.reload(tx).await?;
        self.variant(version)
    }

    /// Reads the published versions again, after a publication.
    pub async fn reload_variants(&self) -> CaseworkResult<()> {
        let tx = self.read().await?;
        self.variants.reload(&tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every published version number, oldest first.
    pub fn published_versions(&self) -> Vec<u32> {
        self.variants.versions()
    }

    /// For crash tests: a variant migration stops after `cases` moved cases (`None`: never).
    pub fn set_migration_failpoint(&self, cases: Option<usize>) {
        self.migration_failpoint
            .store(cases.unwrap_or(0), Ordering::SeqCst);
    }

    pub(crate) fn migration_failpoint(&self) -> Option<usize> {
        match self.migration_failpoint.load(Ordering::SeqCst) {
            0 => None,
            n => Some(n),
        }
    }

    /// The production calendar deadlines are computed with: the shipped one with the
    /// organisation's own days, at the newest revision this replica knows. Cheap (a shared
    /// pointer); hold it for a computation rather than asking again in a loop.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.current()
    }

    /// The calendar as `tx` sees it: [`Self::calendar`] brought up to a change another replica
    /// stored (one indexed lookup; see [`crate::calendar`]).
    pub async fn calendar_in(&self, tx: &TenantTx) -> CaseworkResult<Arc<Calendar>> {
        Ok(self.calendar.current_in(tx).await?)
    }

    /// The organisation's calendar: shipped days, its own days and their revision.
    pub(crate) fn organisation_calendar(&self) -> &OrganisationCalendar {
        &self.calendar
    }

    /// The database handle, for statement counting in tests and for the readiness probe.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Counts (and, for tests, records) the statements run on this tenant's database.
    pub fn statement_counter(&self) -> &StatementCounter {
        &self.statements
    }

    /// SQL statements run on this tenant's database since the runtime opened.
    pub fn statements_executed(&self) -> u64 {
        self.statements.get()
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }
}

/// Refuses to serve a database a migration is pending for (`kurator migrate` runs them).
async fn require_migrated(db: &DatabaseConnection, tenant: &TenantRow) -> CaseworkResult<()> {
    match kurator_store::pending_tenant(db).await? {
        0 => Ok(()),
        pending => Err(CaseworkError::Conflict(format!(
            "the database of organisation {} has {pending} pending migrations: run `kurator migrate`",
            tenant.slug
        ))),
    }
}

/// A writing transaction on `db`, taking its turn where the database has `turns`.
pub(crate) async fn begin_writer(
    db: &DatabaseConnection,
    tenant: TenantId,
    turns: Option<&Arc<Mutex<()>>>,
) -> Result<TenantTx, StoreError> {
    match turns {
        Some(turns) => TenantTx::begin_serialized(db, tenant, turns).await,
        None => TenantTx::begin(db, tenant).await,
    }
}

/// The variant an organisation starts from: one of the presets by name, or a variant file of its
/// own (`file:PATH`, TOML or JSON), validated like any other. Nothing about an organisation needs
/// code: a new one brings its variant as data.
fn starting_variant(preset: &str) -> CaseworkResult<Variant> {
    let Some(path) = preset.strip_prefix("file:") else {
        return kurator_method::presets::load(preset)
            .map_err(|e| CaseworkError::Variant(e.to_string()));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| CaseworkError::Variant(format!("variant file {path}: {e}")))?;
    let parsed = if path.ends_with(".json") {
        Variant::from_json_str(&text)
    } else {
        Variant::from_toml_str(&text)
    };
    parsed.map_err(|errors| CaseworkError::Variant(format!("variant file {path}: {errors}")))
}
