//! Idempotency keys: a retried creation returns what the first attempt made.

use crate::tenant::entities::idempotency_key;
use crate::{StoreError, TenantTx};
use chrono::Utc;
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

/// Longest key a client may send.
pub const MAX_KEY_LEN: usize = 128;

/// The entity an earlier request with the same key (by the same person) created, if any.
pub async fn find(
    tx: &TenantTx,
    user: UserId,
    key: &str,
    operation: &str,
) -> Result<Option<Uuid>, StoreError> {
    let row = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::TenantId.eq(tx.tenant_id().0))
        .filter(idempotency_key::Column::UserId.eq(user.0))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(tx.conn())
        .await?;
    match row {
        Some(row) if row.operation == operation => Ok(Some(row.entity_id)),
        Some(_) => Err(StoreError::Conflict(
            "idempotency key used for another operation".into(),
        )),
        None => Ok(None),
    }
}

/// Remembers that `key` created `entity_id`. Inside the creating transaction, so both commit or
/// neither does; a concurrent duplicate fails on the primary key and rolls back.
pub async fn remember(
    tx: &TenantTx,
    user: UserId,
    key: &str,
    operation: &str,
    entity_id: Uuid,
) -> Result<(), StoreError> {
    let model = idempotency_key::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        user_id: Set(user.0),
        key: Set(key.to_owned()),
        operation: Set(operation.to_owned()),
        entity_id: Set(entity_id),
        created_at: Set(Utc::now()),
    };
    idempotency_key::Entity::insert(model)
        .exec_without_returning(tx.conn())
        .await?;
    Ok(())
}
