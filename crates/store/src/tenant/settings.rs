//! The organisation's settings: read, and written with a version check.

use crate::tenant::entities::tenant_settings;
use crate::tenant::versioned;
use crate::{StoreError, TenantTx};
use chrono::Utc;
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

pub use tenant_settings::Model as SettingsRow;

/// The settings row; version 0 and `{}` while nothing was ever set.
#[tracing::instrument(skip_all)]
pub async fn get(tx: &TenantTx) -> Result<SettingsRow, StoreError> {
    let row = tenant_settings::Entity::find_by_id(tx.tenant_id().0)
        .filter(tenant_settings::Column::TenantId.eq(tx.tenant_id().0))
        .one(tx.conn())
        .await?;
    Ok(row.unwrap_or(SettingsRow {
        tenant_id: tx.tenant_id().0,
        settings: serde_json::json!({}),
        version: 0,
        updated_at: Utc::now(),
        updated_by: None,
    }))
}

/// Replaces the settings if their version is still `expected_version`.
#[tracing::instrument(skip_all)]
pub async fn put(
    tx: &TenantTx,
    expected_version: i32,
    settings: serde_json::Value,
    by: UserId,
) -> Result<SettingsRow, StoreError> {
    let current = get(tx).await?;
    if current.version != expected_version {
        return Err(versioned::stale(current.version));
    }
    let model = tenant_settings::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        settings: Set(settings),
        version: Set(expected_version + 1),
        updated_at: Set(Utc::now()),
        updated_by: Set(Some(by.0)),
    };
    if expected_version == 0 {
        tenant_settings::Entity::insert(model)
            .exec_without_returning(tx.conn())
            .await?;
    } else {
        let updated = tenant_settings::Entity::update_many()
            .set(model)
            .filter(tenant_settings::Column::TenantId.eq(tx.tenant_id().0))
            .filter(tenant_settings::Column::Version.eq(expected_version))
            .exec(tx.conn())
            .await?;
        if updated.rows_affected == 0 {
            return Err(versioned::stale(get(tx).await?.version));
        }
    }
    get(tx).await
}
