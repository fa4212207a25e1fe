//! Plans (индивидуальный план, ПССС, ИПСС): every revision kept, with its meeting and
//! participants; actions with deadline, responsible person or organisation, owner, completion.

use crate::tenant::entities::{plan_action, plan_revision};
use crate::tenant::versioned;
use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::QueryOrder;
use sea_orm::entity::prelude::*;

pub use plan_action::Model as ActionRow;
pub use plan_revision::Model as RevisionRow;

pub struct NewAction {
    pub title: String,
    pub deadline: DateTime<Utc>,
    pub responsible: serde_json::Value,
    pub owner: String,
}

/// Adds revision `number` with its actions.
#[tracing::instrument(skip_all, fields(case = %case_id))]
pub async fn insert_revision(
    tx: &TenantTx,
    case_id: Uuid,
    meeting_date: DateTime<Utc>,
    participants: serde_json::Value,
    created_by: UserId,
    actions: Vec<NewAction>,
) -> Result<(RevisionRow, Vec<ActionRow>), StoreError> {
    let previous = plan_revision::Entity::find()
        .filter(plan_revision::Column::TenantId.eq(tx.tenant_id().0))
        .filter(plan_revision::Column::CaseId.eq(case_id))
        .order_by_desc(plan_revision::Column::Number)
        .one(tx.conn())
        .await?;
    let number = previous.map_or(1, |p| p.number + 1);
    let now = Utc::now();
    tx.touch(case_id);
    let revision = plan_revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tx.tenant_id().0),
        case_id: Set(case_id),
        number: Set(number),
        meeting_date: Set(meeting_date),
        participants: Set(participants),
        created_by: Set(created_by.0),
        created_at: Set(now),
    };
    let revision = plan_revision::Entity::insert(revision)
        .exec_with_returning(tx.conn())
        .await?;
    let mut rows = Vec::with_capacity(actions.len());
    for action in actions {
        let model = plan_action::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tx.tenant_id().0),
            case_id: Set(case_id),
            revision_id: Set(revision.id),
            title: Set(action.title),
            deadline: Set(action.deadline),
            responsible: Set(action.responsible),
            owner: Set(action.owner),
            done_at: Set(None),
            result: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        };
        rows.push(
            plan_action::Entity::insert(model)
                .exec_with_returning(tx.conn())
                .await?,
        );
    }
    Ok((revision, rows))
}

#[tracing::instrument(skip_all, fields(count = case_ids.len()))]
pub async fn revisions(tx: &TenantTx, case_ids: &[Uuid]) -> Result<Vec<RevisionRow>, StoreError> {
    Ok(plan_revision::Entity::find()
        .filter(plan_revision::Column::TenantId.eq(tx.tenant_id().0))
        .filter(plan_revision::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(plan_revision::Column::Number)
        .all(tx.conn())
        .await?)
}

#[tracing::instrument(skip_all, fields(count = case_ids.len()))]
pub async fn actions(tx: &TenantTx, case_ids: &[Uuid]) -> Result<Vec<ActionRow>, StoreError> {
    Ok(plan_action::Entity::find()
        .filter(plan_action::Column::TenantId.eq(tx.tenant_id().0))
        .filter(plan_action::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(plan_action::Column::Deadline)
        .order_by_asc(plan_action::Column::Id)
        .all(tx.conn())
        .await?)
}

#[tracing::instrument(skip_all, fields(action = %id))]
pub async fn get_action(tx: &TenantTx, id: Uuid) -> Result<ActionRow, StoreError> {
    plan_action::Entity::find_by_id(id)
        .filter(plan_action::Column::TenantId.eq(tx.tenant_id().0))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)
}

/// Marks an action done (or not) with its result, if its version is still `expected_version`.
#[tracing::instrument(skip_all, fields(action = %id))]
pub async fn complete_action(
    tx: &TenantTx,
    id: Uuid,
    expected_version: i32,
    done_at: Option<DateTime<Utc>>,
    result: Option<String>,
) -> Result<ActionRow, StoreError> {
    let model = plan_action::ActiveModel {
        done_at: Set(done_at),
        result: Set(result),
        version: Set(expected_version + 1),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let updated = plan_action::Entity::update_many()
        .set(model)
        .filter(plan_action::Column::Id.eq(id))
        .filter(plan_action::Column::TenantId.eq(tx.tenant_id().0))
        .filter(plan_action::Column::Version.eq(expected_version))
        .exec(tx.conn())
        .await?;
    if updated.rows_affected == 0 {
        let current = get_action(tx, id).await?;
        return Err(versioned::stale(current.version));
    }
    let action = get_action(tx, id).await?;
    tx.touch(action.case_id);
    Ok(action)
}
