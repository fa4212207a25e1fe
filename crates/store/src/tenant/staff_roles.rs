//! Method roles held by people in the tenant (роли по технологии), scoped to the transaction's
//! tenant. Granting is idempotent; revoking removes the row (the audit trail keeps the history).

use crate::tenant::entities::staff_role;
use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::QueryOrder;
use sea_orm::entity::prelude::*;

pub use staff_role::Model as StaffRoleRow;

/// The method roles `user` holds.
#[tracing::instrument(skip_all)]
pub async fn held(tx: &TenantTx, user: UserId) -> Result<Vec<String>, StoreError> {
    Ok(staff_role::Entity::find()
        .filter(staff_role::Column::TenantId.eq(tx.tenant_id().0))
        .filter(staff_role::Column::UserId.eq(user.0))
        .order_by_asc(staff_role::Column::RoleKey)
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|r| r.role_key)
        .collect())
}

/// Every method role held by any of `users` (all of the tenant's when `users` is `None`).
#[tracing::instrument(skip_all)]
pub async fn of_users(
    tx: &TenantTx,
    users: Option<&[Uuid]>,
) -> Result<Vec<StaffRoleRow>, StoreError> {
    let mut query =
        staff_role::Entity::find().filter(staff_role::Column::TenantId.eq(tx.tenant_id().0));
    if let Some(users) = users {
        query = query.filter(staff_role::Column::UserId.is_in(users.iter().copied()));
    }
    Ok(query
        .order_by_asc(staff_role::Column::UserId)
        .order_by_asc(staff_role::Column::RoleKey)
        .all(tx.conn())
        .await?)
}

/// Gives `user` the method role; returns `false` when they already held it.
#[tracing::instrument(skip_all)]
pub async fn grant(
    tx: &TenantTx,
    user: UserId,
    role: &str,
    by: Option<UserId>,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if held(tx, user).await?.iter().any(|r| r == role) {
        return Ok(false);
    }
    let model = staff_role::ActiveModel {
        tenant_id: Set(tx.tenant_id().0),
        user_id: Set(user.0),
        role_key: Set(role.to_owned()),
        granted_at: Set(at),
        granted_by: Set(by.map(|b| b.0)),
    };
    staff_role::Entity::insert(model)
        .exec_without_returning(tx.conn())
        .await?;
    Ok(true)
}

/// Takes the method role from `user`; returns `false` when they did not hold it.
#[tracing::instrument(skip_all)]
pub async fn revoke(tx: &TenantTx, user: UserId, role: &str) -> Result<bool, StoreError> {
    let result = staff_role::Entity::delete_many()
        .filter(staff_role::Column::TenantId.eq(tx.tenant_id().0))
        .filter(staff_role::Column::UserId.eq(user.0))
        .filter(staff_role::Column::RoleKey.eq(role))
        .exec(tx.conn())
        .await?;
    Ok(result.rows_affected > 0)
}
