//! Signals and requests (сигналы, обращения): the intake journal and the journals derived from it
//! (unconfirmed requests, visitors with one-time help).

use crate::tenant::entities::signal;
use crate::tenant::versioned;
use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::{Condition, QueryOrder, QuerySelect};

pub use signal::Model as SignalRow;

pub struct NewSignal {
    pub id: Uuid,
    pub received_at: DateTime<Utc>,
    pub source: String,
    pub channel: String,
    pub requester: serde_json::Value,
    pub subject: serde_json::Value,
    pub parents: serde_json::Value,
    pub grounds: String,
    pub follow_up: String,
    pub taken_by: UserId,
    pub triage: Option<serde_json::Value>,
    pub form: Option<serde_json::Value>,
    pub risk_band: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn insert(tx: &TenantTx, new: NewSignal) -> Result<SignalRow, StoreError> {
    let now = Utc::now();
    let model = signal::ActiveModel {
        id: Set(new.id),
        tenant_id: Set(tx.tenant_id().0),
        received_at: Set(new.received_at),
        source: Set(new.source),
        channel: Set(new.channel),
        requester: Set(new.requester),
        subject: Set(new.subject),
        parents: Set(new.parents),
        grounds: Set(new.grounds),
        follow_up: Set(new.follow_up),
        taken_by: Set(new.taken_by.0),
        triage: Set(new.triage),
        form: Set(new.form),
        risk_band: Set(new.risk_band),
        status: Set("new".into()),
        decision: Set(None),
        case_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(signal::Entity::insert(model)
        .exec_with_returning(tx.conn())
        .await?)
}

#[tracing::instrument(skip_all, fields(signal = %id))]
pub async fn get(tx: &TenantTx, id: Uuid) -> Result<SignalRow, StoreError> {
    signal::Entity::find_by_id(id)
        .filter(signal::Column::TenantId.eq(tx.tenant_id().0))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)
}

/// Records the decision on a signal if its version is still `expected_version`.
#[tracing::instrument(skip_all, fields(signal = %id))]
pub async fn decide(
    tx: &TenantTx,
    id: Uuid,
    expected_version: i32,
    status: &str,
    decision: serde_json::Value,
    case_id: Option<Uuid>,
) -> Result<SignalRow, StoreError> {
    let model = signal::ActiveModel {
        status: Set(status.to_owned()),
        decision: Set(Some(decision)),
        case_id: Set(case_id),
        version: Set(expected_version + 1),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let result = signal::Entity::update_many()
        .set(model)
        .filter(signal::Column::Id.eq(id))
        .filter(signal::Column::TenantId.eq(tx.tenant_id().0))
        .filter(signal::Column::Version.eq(expected_version))
        .exec(tx.conn())
        .await?;
    if result.rows_affected == 0 {
        let current = get(tx, id).await?;
        return Err(versioned::stale(current.version));
    }
    get(tx, id).await
}

#[derive(Debug, Default, Clone)]
pub struct SignalFilter {
    pub statuses: Vec<String>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    /// Only entries after this one in the journal's order (newest first): a keyset cursor that
    /// stays put while new signals arrive.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    /// At most this many entries.
    pub limit: Option<u64>,
}

/// The journal, newest first.
#[tracing::instrument(skip_all)]
pub async fn list(tx: &TenantTx, filter: &SignalFilter) -> Result<Vec<SignalRow>, StoreError> {
    let mut query = signal::Entity::find().filter(signal::Column::TenantId.eq(tx.tenant_id().0));
    if !filter.statuses.is_empty() {
        query = query.filter(signal::Column::Status.is_in(filter.statuses.clone()));
    }
    if let Some(from) = filter.received_from {
        query = query.filter(signal::Column::ReceivedAt.gte(from));
    }
    if let Some(to) = filter.received_to {
        query = query.filter(signal::Column::ReceivedAt.lt(to));
    }
    if let Some((at, id)) = filter.after {
        query = query.filter(
            Condition::any().add(signal::Column::ReceivedAt.lt(at)).add(
                Condition::all()
                    .add(signal::Column::ReceivedAt.eq(at))
                    .add(signal::Column::Id.lt(id)),
            ),
        );
    }
    let mut query = query
        .order_by_desc(signal::Column::ReceivedAt)
        .order_by_desc(signal::Column::Id);
    if let Some(limit) = filter.limit {
        query = query.limit(limit);
    }
    Ok(query.all(tx.conn()).await?)
}
