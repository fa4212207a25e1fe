//! All tenant runtimes of this process, by slug and by id.

use crate::TenantRuntime;
use crate::error::CaseworkResult;
use kurator_domain::{TenantId, TenantSlug};
use kurator_store::control::TenantRow;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default, Clone)]
pub struct TenantRegistry {
    by_slug: HashMap<TenantSlug, Arc<TenantRuntime>>,
    by_id: HashMap<TenantId, Arc<TenantRuntime>>,
}

impl TenantRegistry {
    /// Opens a runtime for every tenant in the registry.
    pub async fn open_all(
        tenants: Vec<TenantRow>,
        max_connections: u32,
        app_login: Option<&(String, Option<String>)>,
    ) -> CaseworkResult<Self> {
        let mut registry = Self::default();
        for tenant in tenants {
            let runtime = Arc::new(TenantRuntime::open(tenant, max_connections, app_login).await?);
            crate::obligations::catch_up(&runtime).await?;
            registry.by_id.insert(runtime.tenant().id, runtime.clone());
            registry
                .by_slug
                .insert(runtime.tenant().slug.clone(), runtime);
        }
        Ok(registry)
    }

    pub fn by_slug(&self, slug: &TenantSlug) -> Option<&Arc<TenantRuntime>> {
        self.by_slug.get(slug)
    }

    pub fn by_id(&self, id: TenantId) -> Option<&Arc<TenantRuntime>> {
        self.by_id.get(&id)
    }

    /// Every runtime, ordered by slug.
    pub fn all(&self) -> Vec<&Arc<TenantRuntime>> {
        let mut all: Vec<_> = self.by_slug.values().collect();
        all.sort_by(|a, b| a.tenant().slug.cmp(&b.tenant().slug));
        all
    }
}
