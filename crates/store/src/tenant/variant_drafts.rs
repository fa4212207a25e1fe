//! The organisation's draft of its next variant version: read, and written with a version check.
//! The row is never deleted; publishing clears its document and bumps its version, so a client
//! holding the version it saw before the publication gets a stale-version conflict.

use crate::tenant::entities::variant_draft;
use crate::tenant::versioned;
use crate::{StoreError, TenantTx};
use chrono::Utc;
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

pub use variant_draft::Model as DraftRow;

/// The draft row; version 0 with no document while nothing was ever saved.
#[tracing::instrument(skip_all)]
pub async fn get(tx: &TenantTx) -> Result<DraftRow, StoreError> {
    let row = variant_draft::Entity::find_by_id(tx.tenant_id().0)
        .filter(variant_draft::Column::TenantId.eq(tx.tenant_id().0))
        .one(tx.conn())
        .await?;
    Ok(row.unwrap_or(DraftRow {
        tenant_id: tx.tenant_id().0,
        format: String::new(),
        source: String::new(),
        document: None,
        version: 0,
        updated_at: Utc::now(),
        updated_by: None,
    }))
}

/// Replaces the draft if its version is still `expected_version`; `document: None` clears it.
#[tracing::instrument(skip_all)]
pub async fn put(
    tx: &TenantTx,
    expected_version: i32,
    format: &str,
    source: String,
    document: Option<serde_json::Value>,
    by: UserId,
) -> Result<DraftRow, StoreError> {
    let current = get(tx).await?;
    if current.version != expected_version {
        return Err(versioned::stale(current.version));
    }
    let model = variant_draft::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        format: Set(format.to_owned()),
        source: Set(source),
        document: Set(document),
        version: Set(expected_version + 1),
        updated_at: Set(Utc::now()),
        updated_by: Set(Some(by.0)),
    };
    if expected_version == 0 {
        variant_draft::Entity::insert(model)
            .exec_without_returning(tx.conn())
            .await?;
    } else {
        let updated = variant_draft::Entity::update_many()
            .set(model)
            .filter(variant_draft::Column::TenantId.eq(tx.tenant_id().0))
            .filter(variant_draft::Column::Version.eq(expected_version))
            .exec(tx.conn())
            .await?;
        if updated.rows_affected == 0 {
            return Err(versioned::stale(get(tx).await?.version));
        }
    }
    get(tx).await
}
