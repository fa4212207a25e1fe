//! Spending on a case (расходы по случаю), scoped to the transaction's tenant. Append-only: an
//! entry is added and read, never changed.

use crate::tenant::entities::case_spending;
use crate::{StoreError, TenantTx};
use chrono::{NaiveDate, Utc};
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::QueryOrder;
use sea_orm::entity::prelude::*;

pub use case_spending::Model as SpendingRow;

/// A spend as the caller describes it.
pub struct NewSpending {
    pub case_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    pub category: String,
    pub spent_on: NaiveDate,
    pub note: Option<String>,
    pub recorded_by: UserId,
    pub approval_record_id: Option<Uuid>,
}

#[tracing::instrument(skip_all, fields(case = %new.case_id))]
pub async fn insert(tx: &TenantTx, new: NewSpending) -> Result<SpendingRow, StoreError> {
    let model = case_spending::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tx.tenant_id().0),
        case_id: Set(new.case_id),
        amount_minor: Set(new.amount_minor),
        currency: Set(new.currency),
        category: Set(new.category),
        spent_on: Set(new.spent_on),
        note: Set(new.note),
        recorded_by: Set(new.recorded_by.0),
        approval_record_id: Set(new.approval_record_id),
        created_at: Set(Utc::now()),
    };
    Ok(case_spending::Entity::insert(model)
        .exec_with_returning(tx.conn())
        .await?)
}

/// Every spend on the case, by the day it was spent, then as recorded.
#[tracing::instrument(skip_all, fields(case = %case_id))]
pub async fn of_case(tx: &TenantTx, case_id: Uuid) -> Result<Vec<SpendingRow>, StoreError> {
    Ok(case_spending::Entity::find()
        .filter(case_spending::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_spending::Column::CaseId.eq(case_id))
        .order_by_asc(case_spending::Column::SpentOn)
        .order_by_asc(case_spending::Column::Id)
        .all(tx.conn())
        .await?)
}

/// The spend with `id`, or `NotFound` — also when it belongs to another tenant.
#[tracing::instrument(skip_all, fields(spending = %id))]
pub async fn get(tx: &TenantTx, id: Uuid) -> Result<SpendingRow, StoreError> {
    case_spending::Entity::find_by_id(id)
        .filter(case_spending::Column::TenantId.eq(tx.tenant_id().0))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)
}
