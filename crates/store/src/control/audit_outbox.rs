//! The administrative audit outbox (see the control-plane migration `audit_outbox`): records for
//! an organisation's audit trail, written in the same transaction as the control-plane change
//! they describe, and marked delivered once the organisation's trail holds them.

use crate::StoreError;
use crate::tenant::audit::AuditRecord;
use chrono::{DateTime, Utc};
use kurator_domain::{TenantId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::{QueryOrder, QuerySelect};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_outbox")]
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
        pub delivered_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A record waiting for (or past) delivery to its organisation's trail.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Also the id the record gets in the organisation's trail, so that delivering it twice
    /// writes it once.
    pub id: Uuid,
    pub tenant_id: TenantId,
    /// When the change was made.
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

fn entry(row: entity::Model) -> OutboxEntry {
    OutboxEntry {
        id: row.id,
        tenant_id: TenantId(row.tenant_id),
        at: row.at,
        actor: row.actor_user_id.map(UserId),
        action: row.action,
        entity: row.entity,
        entity_id: row.entity_id,
        before: row.before,
        after: row.after,
        request_id: row.request_id,
    }
}

/// Writes `record` for `tenant`'s trail; call it inside the transaction making the change.
#[tracing::instrument(skip_all, fields(tenant = %tenant, action = record.action))]
pub async fn enqueue(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    record: AuditRecord,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let model = entity::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant.0),
        at: Set(Utc::now()),
        actor_user_id: Set(record.actor.map(|a| a.0)),
        action: Set(record.action.to_owned()),
        entity: Set(record.entity.to_owned()),
        entity_id: Set(record.entity_id),
        before: Set(record.before),
        after: Set(record.after),
        request_id: Set(record.request_id),
        delivered_at: Set(None),
    };
    entity::Entity::insert(model)
        .exec_without_returning(db)
        .await?;
    Ok(id)
}

/// Up to `limit` records of `tenant` not yet delivered, oldest first.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn pending(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    limit: u64,
) -> Result<Vec<OutboxEntry>, StoreError> {
    Ok(entity::Entity::find()
        .filter(entity::Column::TenantId.eq(tenant.0))
        .filter(entity::Column::DeliveredAt.is_null())
        .order_by_asc(entity::Column::At)
        .order_by_asc(entity::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(entry)
        .collect())
}

/// Marks the records `ids` of `tenant` delivered at `at`.
#[tracing::instrument(skip_all, fields(tenant = %tenant, count = ids.len()))]
pub async fn mark_delivered(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    entity::Entity::update_many()
        .col_expr(
            entity::Column::DeliveredAt,
            sea_orm::sea_query::Expr::value(Some(at)),
        )
        .filter(entity::Column::TenantId.eq(tenant.0))
        .filter(entity::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}
