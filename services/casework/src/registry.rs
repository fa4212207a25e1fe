//! All tenant runtimes of this process, by slug and by id. Organisations come and go while the
//! process runs: one created (here or by another replica) is opened the first time it is asked
//! for, and a suspended one is closed to everybody while its data stays where it is.

use crate::TenantRuntime;
use crate::error::CaseworkResult;
use kurator_domain::{TenantId, TenantSlug};
use kurator_store::control::{TenantRow, repo};
use sea_orm::DatabaseConnection;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock};

#[derive(Clone)]
pub struct TenantRegistry {
    inner: Arc<Inner>,
}

struct Inner {
    /// The tenant registry in the control plane: where an organisation this process has not
    /// opened yet is looked up.
    control: DatabaseConnection,
    max_connections: u32,
    app_login: Option<(String, Option<String>)>,
    /// Whether opening an organisation migrates its database (else it must be migrated already).
    migrate: bool,
    open: RwLock<Open>,
    /// One organisation is opened at a time, so that two requests for a new one open it once.
    opening: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Open {
    by_slug: HashMap<TenantSlug, Arc<TenantRuntime>>,
    by_id: HashMap<TenantId, Arc<TenantRuntime>>,
    /// Organisations known to be suspended: not opened, not looked up again on every request.
    suspended: HashSet<TenantSlug>,
}

impl TenantRegistry {
    /// Opens a runtime for every organisation in the control plane that is not suspended,
    /// migrating its database first when `migrate`.
    pub async fn open_all(
        control: DatabaseConnection,
        max_connections: u32,
        app_login: Option<&(String, Option<String>)>,
        migrate: bool,
    ) -> CaseworkResult<Self> {
        let registry = Self {
            inner: Arc::new(Inner {
                control,
                max_connections,
                app_login: app_login.cloned(),
                migrate,
                open: RwLock::new(Open::default()),
                opening: tokio::sync::Mutex::new(()),
            }),
        };
        registry.refresh().await?;
        Ok(registry)
    }

    /// The open organisation `slug`, as this process knows it now.
    pub fn by_slug(&self, slug: &TenantSlug) -> Option<Arc<TenantRuntime>> {
        self.read().by_slug.get(slug).cloned()
    }

    pub fn by_id(&self, id: TenantId) -> Option<Arc<TenantRuntime>> {
        self.read().by_id.get(&id).cloned()
    }

    /// The organisation `slug`, opened now if it was created after this process started
    /// (possibly by another replica). `None` for one that does not exist or is suspended.
    pub async fn find(&self, slug: &TenantSlug) -> CaseworkResult<Option<Arc<TenantRuntime>>> {
        if let Some(runtime) = self.by_slug(slug) {
            return Ok(Some(runtime));
        }
        let row = repo::find_tenant_by_slug(&self.inner.control, slug).await?;
        match row {
            Some(row) => self.open_row(row).await,
            None => Ok(None),
        }
    }

    /// [`Self::find`] by id.
    pub async fn find_by_id(&self, id: TenantId) -> CaseworkResult<Option<Arc<TenantRuntime>>> {
        if let Some(runtime) = self.by_id(id) {
            return Ok(Some(runtime));
        }
        match repo::find_tenant(&self.inner.control, id).await? {
            Some(row) => self.open_row(row).await,
            None => Ok(None),
        }
    }

    /// Every open organisation, ordered by slug.
    pub fn all(&self) -> Vec<Arc<TenantRuntime>> {
        let mut all: Vec<_> = self.read().by_slug.values().cloned().collect();
        all.sort_by(|a, b| a.tenant().slug.cmp(&b.tenant().slug));
        all
    }

    /// Brings this process up to date with the control plane: opens organisations created
    /// elsewhere or resumed, and closes suspended ones. The deadline worker does this on every
    /// run, so a suspended organisation gets no reminders from any worker.
    pub async fn refresh(&self) -> CaseworkResult<()> {
        for row in repo::list_tenants(&self.inner.control).await? {
            self.open_row(row).await?;
        }
        Ok(())
    }

    /// Opens (or closes, when suspended) the organisation of `row`.
    pub async fn open_row(&self, row: TenantRow) -> CaseworkResult<Option<Arc<TenantRuntime>>> {
        if row.is_suspended() {
            self.close(&row.slug);
            return Ok(None);
        }
        let _turn = self.inner.opening.lock().await;
        if let Some(runtime) = self.by_slug(&row.slug) {
            return Ok(Some(runtime));
        }
        let runtime = Arc::new(
            TenantRuntime::open(
                row,
                self.inner.max_connections,
                self.inner.app_login.as_ref(),
                self.inner.migrate,
            )
            .await?,
        );
        crate::obligations::catch_up(&runtime).await?;
        let mut open = self.write();
        open.suspended.remove(&runtime.tenant().slug);
        open.by_id.insert(runtime.tenant().id, runtime.clone());
        open.by_slug
            .insert(runtime.tenant().slug.clone(), runtime.clone());
        Ok(Some(runtime))
    }

    /// Closes the organisation `slug` in this process (it was suspended).
    pub fn close(&self, slug: &TenantSlug) {
        let mut open = self.write();
        if let Some(runtime) = open.by_slug.remove(slug) {
            open.by_id.remove(&runtime.tenant().id);
        }
        open.suspended.insert(slug.clone());
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Open> {
        // The maps hold no invariant a panicking holder could break.
        self.inner
            .open
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Open> {
        self.inner
            .open
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
