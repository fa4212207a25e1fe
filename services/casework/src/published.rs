//! The published versions of a tenant's variant as one replica knows them. Published versions are
//! immutable and never removed, so they live in write-once slots: a version learnt later (after a
//! publication here, or met in a case on another replica's publication) is added without a lock,
//! and every reader keeps a plain reference to the versions it already holds. The runtime and the
//! obligations keeper share one shelf.

use kurator_method::Variant;
use kurator_store::TenantTx;
use kurator_store::tenant::variants::{self, VariantRow};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

/// The highest version number a tenant can publish (one slot per number).
pub const MAX_VERSION: u32 = 1023;

pub struct Published {
    slots: Box<[OnceLock<Arc<Variant>>]>,
    latest: AtomicU32,
}

impl Default for Published {
    fn default() -> Self {
        Self {
            slots: (0..=MAX_VERSION).map(|_| OnceLock::new()).collect(),
            latest: AtomicU32::new(0),
        }
    }
}

impl Published {
    /// Adds a version; one already known stays as it is (its content cannot have changed).
    pub fn insert(&self, version: u32, variant: Variant) -> Result<(), String> {
        let slot = self
            .slots
            .get(version as usize)
            .ok_or_else(|| format!("variant version {version} is above {MAX_VERSION}"))?;
        let _ = slot.set(Arc::new(variant));
        self.latest.fetch_max(version, Ordering::AcqRel);
        Ok(())
    }

    /// Adds the stored versions this shelf does not hold yet.
    pub fn insert_rows(&self, rows: Vec<VariantRow>) -> Result<(), String> {
        for row in rows {
            let version = u32::try_from(row.version).map_err(|e| e.to_string())?;
            if self.get(version).is_some() {
                continue;
            }
            let variant = Variant::from_json_str(&row.document.to_string())
                .map_err(|e| format!("variant version {version}: {e}"))?;
            self.insert(version, variant)?;
        }
        Ok(())
    }

    /// Reads the tenant's published versions in `tx` and adds the ones not known here.
    pub async fn reload(&self, tx: &TenantTx) -> Result<(), kurator_store::StoreError> {
        let rows = variants::all(tx).await?;
        self.insert_rows(rows)
            .map_err(|e| kurator_store::StoreError::Database(sea_orm::DbErr::Custom(e)))
    }

    pub fn get(&self, version: u32) -> Option<&Arc<Variant>> {
        self.slots.get(version as usize).and_then(OnceLock::get)
    }

    pub fn latest(&self) -> Option<&Arc<Variant>> {
        self.get(self.latest.load(Ordering::Acquire))
    }

    /// Every known version number, oldest first.
    pub fn versions(&self) -> Vec<u32> {
        (0..=self.latest.load(Ordering::Acquire))
            .filter(|v| self.get(*v).is_some())
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_version_learnt_later_is_the_latest_and_earlier_references_stay_valid() {
        let shelf = Published::default();
        let fund = kurator_method::presets::load("fund").unwrap();
        shelf.insert(1, fund.clone()).unwrap();
        let first = shelf.get(1).unwrap();
        shelf.insert(2, fund.clone()).unwrap();
        assert_eq!(shelf.versions(), vec![1, 2]);
        assert!(Arc::ptr_eq(first, shelf.get(1).unwrap()));
        assert!(Arc::ptr_eq(shelf.latest().unwrap(), shelf.get(2).unwrap()));
        assert!(shelf.insert(MAX_VERSION + 1, fund).is_err());
    }
}
