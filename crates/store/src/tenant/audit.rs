//! The audit trail (журнал действий): append-only records of every mutation and every opening of
//! a case card.

use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::{QueryOrder, QuerySelect};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        pub at: DateTimeUtc,
        pub actor_user_id: Option<Uuid>,
        pub action: String,
        pub entity: String,
        pub entity_id: Option<Uuid>,
        pub before: Option<Json>,
        pub after: Option<Json>,
        pub request_id: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One thing that happened, as the audit trail records it.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub actor: Option<UserId>,
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[tracing::instrument(skip_all, fields(action = record.action, entity = record.entity))]
pub async fn append(tx: &TenantTx, record: AuditRecord) -> Result<(), StoreError> {
    append_many(tx, vec![record]).await
}

/// Appends several records in one statement.
#[tracing::instrument(skip_all, fields(count = records.len()))]
pub async fn append_many(tx: &TenantTx, records: Vec<AuditRecord>) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let models = records.into_iter().map(|record| entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tx.tenant_id().0),
        at: Set(Utc::now()),
        actor_user_id: Set(record.actor.map(|a| a.0)),
        action: Set(record.action.to_owned()),
        entity: Set(record.entity.to_owned()),
        entity_id: Set(record.entity_id),
        before: Set(record.before),
        after: Set(record.after),
        request_id: Set(record.request_id),
    });
    entity::Entity::insert_many(models)
        .exec_without_returning(tx.conn())
        .await?;
    Ok(())
}

/// The columns of `audit_log` in the order [`row_values`] gives them.
pub(crate) const COLUMNS: &str =
    "id, tenant_id, at, actor_user_id, action, entity, entity_id, before, after, request_id";

/// The values of `record`'s row in `audit_log`, in the order of [`COLUMNS`].
pub(crate) fn row_values(tenant: Uuid, record: AuditRecord) -> [sea_orm::Value; 10] {
    [
        Uuid::now_v7().into(),
        tenant.into(),
        Utc::now().into(),
        record.actor.map(|a| a.0).into(),
        record.action.to_owned().into(),
        record.entity.to_owned().into(),
        record.entity_id.into(),
        record.before.into(),
        record.after.into(),
        record.request_id.into(),
    ]
}

/// Writes records delivered from the control plane's outbox (see
/// [`crate::control::audit_outbox`]), each under its outbox id and with the time of the change;
/// one already in the trail (a delivery repeated after a crash) is not written again. Answers how
/// many were written.
#[tracing::instrument(skip_all, fields(count = entries.len()))]
pub async fn append_delivered(
    tx: &TenantTx,
    entries: &[crate::control::audit_outbox::OutboxEntry],
) -> Result<usize, StoreError> {
    let ids = entries.iter().map(|e| e.id);
    let present: std::collections::HashSet<Uuid> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Id)
        .filter(entity::Column::TenantId.eq(tx.tenant_id().0))
        .filter(entity::Column::Id.is_in(ids))
        .into_tuple::<Uuid>()
        .all(tx.conn())
        .await?
        .into_iter()
        .collect();
    let models: Vec<_> = entries
        .iter()
        .filter(|e| e.tenant_id == tx.tenant_id() && !present.contains(&e.id))
        .map(|e| entity::ActiveModel {
            id: Set(e.id),
            tenant_id: Set(tx.tenant_id().0),
            at: Set(e.at),
            actor_user_id: Set(e.actor.map(|a| a.0)),
            action: Set(e.action.clone()),
            entity: Set(e.entity.clone()),
            entity_id: Set(e.entity_id),
            before: Set(e.before.clone()),
            after: Set(e.after.clone()),
            request_id: Set(e.request_id.clone()),
        })
        .collect();
    let written = models.len();
    if written > 0 {
        entity::Entity::insert_many(models)
            .exec_without_returning(tx.conn())
            .await?;
    }
    Ok(written)
}

/// When the entry `id` of the tenant's trail (about `entity_id`, when given) was written; `None`
/// when there is no such entry.
#[tracing::instrument(skip_all)]
pub async fn entry_at(
    tx: &TenantTx,
    entity_id: Option<Uuid>,
    id: Uuid,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let mut query =
        entity::Entity::find_by_id(id).filter(entity::Column::TenantId.eq(tx.tenant_id().0));
    if let Some(entity_id) = entity_id {
        query = query.filter(entity::Column::EntityId.eq(entity_id));
    }
    Ok(query.one(tx.conn()).await?.map(|row| row.at))
}

/// The trail of one entity, oldest first.
#[tracing::instrument(skip_all)]
pub async fn trail_of(
    tx: &TenantTx,
    entity_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<AuditEntry>, StoreError> {
    page(tx, Some(entity_id), None, after, limit).await
}

/// The organisation's whole trail (of one action, when given), oldest first.
#[tracing::instrument(skip_all)]
pub async fn log(
    tx: &TenantTx,
    action: Option<&str>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<AuditEntry>, StoreError> {
    page(tx, None, action, after, limit).await
}

async fn page(
    tx: &TenantTx,
    entity_id: Option<Uuid>,
    action: Option<&str>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut query = entity::Entity::find().filter(entity::Column::TenantId.eq(tx.tenant_id().0));
    if let Some(entity_id) = entity_id {
        query = query.filter(entity::Column::EntityId.eq(entity_id));
    }
    if let Some(action) = action {
        query = query.filter(entity::Column::Action.eq(action));
    }
    // Keyset paging: only entries after the one the client saw last, oldest first.
    if let Some((at, id)) = after {
        query = query.filter(
            sea_orm::Condition::any()
                .add(entity::Column::At.gt(at))
                .add(
                    sea_orm::Condition::all()
                        .add(entity::Column::At.eq(at))
                        .add(entity::Column::Id.gt(id)),
                ),
        );
    }
    let rows = query
        .order_by_asc(entity::Column::At)
        .order_by_asc(entity::Column::Id)
        .limit(limit)
        .all(tx.conn())
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            id: row.id,
            at: row.at,
            actor: row.actor_user_id.map(UserId),
            action: row.action,
            entity: row.entity,
            entity_id: row.entity_id,
            before: row.before,
            after: row.after,
        })
        .collect())
}
