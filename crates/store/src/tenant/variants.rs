//! The tenant's published method variants. Publishing adds a version; nothing is ever rewritten.

use crate::tenant::entities::variant;
use crate::{StoreError, TenantTx};
use chrono::Utc;
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::QueryOrder;
use sea_orm::entity::prelude::*;

pub use variant::Model as VariantRow;

#[tracing::instrument(skip_all)]
pub async fn all(tx: &TenantTx) -> Result<Vec<VariantRow>, StoreError> {
    Ok(variant::Entity::find()
        .filter(variant::Column::TenantId.eq(tx.tenant_id().0))
        .order_by_asc(variant::Column::Version)
        .all(tx.conn())
        .await?)
}

/// Stores a new version. A version that exists already is a conflict: published versions are
/// immutable.
#[tracing::instrument(skip_all, fields(key, version))]
pub async fn publish(
    tx: &TenantTx,
    key: &str,
    version: i32,
    document: serde_json::Value,
    by: Option<UserId>,
) -> Result<VariantRow, StoreError> {
    let model = variant::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        key: Set(key.to_owned()),
        version: Set(version),
        document: Set(document),
        published_at: Set(Utc::now()),
        published_by: Set(by.map(|b| b.0)),
    };
    Ok(variant::Entity::insert(model)
        .exec_with_returning(tx.conn())
        .await?)
}
