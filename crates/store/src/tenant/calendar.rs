//! The organisation's changes to its production calendar, scoped to the transaction's tenant.
//! Append-only and numbered: each change is the organisation's next calendar revision, appended
//! only if the writer saw the one before it.

use crate::tenant::entities::calendar_change;
use crate::tenant::versioned;
use crate::{StoreError, TenantTx};
use chrono::{NaiveDate, Utc};
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::{QueryOrder, QuerySelect};

pub use calendar_change::Model as CalendarChangeRow;

/// A change as the caller describes it.
pub struct NewCalendarChange {
    pub day: NaiveDate,
    /// `holiday` or `working_day`.
    pub kind: &'static str,
    /// `add` or `remove`.
    pub action: &'static str,
    pub name: String,
    pub changed_by: UserId,
}

/// The organisation's calendar revision: the number of its changes, 0 before the first. One
/// lookup at the end of the `(tenant_id, revision)` index.
#[tracing::instrument(skip_all)]
pub async fn revision(tx: &TenantTx) -> Result<i32, StoreError> {
    let latest = calendar_change::Entity::find()
        .select_only()
        .column(calendar_change::Column::Revision)
        .filter(calendar_change::Column::TenantId.eq(tx.tenant_id().0))
        .order_by_desc(calendar_change::Column::Revision)
        .limit(1)
        .into_tuple::<i32>()
        .one(tx.conn())
        .await?;
    Ok(latest.unwrap_or(0))
}

/// Every change the organisation made, oldest first.
#[tracing::instrument(skip_all)]
pub async fn changes(tx: &TenantTx) -> Result<Vec<CalendarChangeRow>, StoreError> {
    Ok(calendar_change::Entity::find()
        .filter(calendar_change::Column::TenantId.eq(tx.tenant_id().0))
        .order_by_asc(calendar_change::Column::Revision)
        .all(tx.conn())
        .await?)
}

/// Appends `new` as revision `expected_revision + 1` if the calendar is still at
/// `expected_revision`; otherwise a stale-version error with the current revision. Two writers
/// that both saw the same revision meet at the unique index: the second is refused as stale.
#[tracing::instrument(skip_all, fields(revision = expected_revision + 1))]
pub async fn append(
    tx: &TenantTx,
    expected_revision: i32,
    new: NewCalendarChange,
) -> Result<CalendarChangeRow, StoreError> {
    let current = revision(tx).await?;
    if current != expected_revision {
        return Err(versioned::stale(current));
    }
    let model = calendar_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tx.tenant_id().0),
        revision: Set(expected_revision + 1),
        day: Set(new.day),
        kind: Set(new.kind.to_owned()),
        action: Set(new.action.to_owned()),
        name: Set(new.name),
        changed_by: Set(new.changed_by.0),
        changed_at: Set(Utc::now()),
    };
    match calendar_change::Entity::insert(model)
        .exec_with_returning(tx.conn())
        .await
        .map_err(StoreError::from)
    {
        Ok(row) => Ok(row),
        Err(StoreError::Conflict(_)) => Err(versioned::stale(expected_revision + 1)),
        Err(other) => Err(other),
    }
}
