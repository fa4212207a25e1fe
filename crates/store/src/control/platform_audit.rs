//! The platform's own audit trail (see the control-plane migration `platform_audit`): changes
//! made on the platform as a whole, each written in the same transaction as the change it
//! records, and read a page at a time, newest first. Nothing here changes or removes an entry.

use crate::StoreError;
use crate::tenant::audit::AuditRecord;
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::{Condition, QueryOrder, QuerySelect};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "platform_audit")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
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

/// The most entries one page of the platform's trail holds.
pub const MAX_PAGE: u64 = 100;

/// One change on the platform, as its trail holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformAuditEntry {
    pub id: Uuid,
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

fn entry(row: entity::Model) -> PlatformAuditEntry {
    PlatformAuditEntry {
        id: row.id,
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

/// Adds `record` to the platform's trail; call it inside the transaction making the change, so
/// that both commit or neither does. Answers the entry's id.
#[tracing::instrument(skip_all, fields(action = record.action))]
pub async fn append(db: &impl ConnectionTrait, record: AuditRecord) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let model = entity::ActiveModel {
        id: Set(id),
        at: Set(Utc::now()),
        actor_user_id: Set(record.actor.map(|a| a.0)),
        action: Set(record.action.to_owned()),
        entity: Set(record.entity.to_owned()),
        entity_id: Set(record.entity_id),
        before: Set(record.before),
        after: Set(record.after),
        request_id: Set(record.request_id),
    };
    entity::Entity::insert(model)
        .exec_without_returning(db)
        .await?;
    Ok(id)
}

/// Where the entry `id` stands in the trail — when it was written — or `None` when the trail
/// holds no such entry.
#[tracing::instrument(skip_all)]
pub async fn position_of(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(DateTime<Utc>, Uuid)>, StoreError> {
    Ok(entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|row| (row.at, row.id)))
}

/// A page of the trail, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub entries: Vec<PlatformAuditEntry>,
    /// Whether older entries follow the page.
    pub has_next: bool,
}

/// Up to `limit` entries (at most [`MAX_PAGE`], at least one), newest first; with `before`, only
/// the entries older than that position (keyset paging on `(at, id)`).
#[tracing::instrument(skip_all, fields(limit))]
pub async fn page(
    db: &impl ConnectionTrait,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Page, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut query = entity::Entity::find();
    if let Some((at, id)) = before {
        query = query.filter(
            Condition::any().add(entity::Column::At.lt(at)).add(
                Condition::all()
                    .add(entity::Column::At.eq(at))
                    .add(entity::Column::Id.lt(id)),
            ),
        );
    }
    let mut rows = query
        .order_by_desc(entity::Column::At)
        .order_by_desc(entity::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(Page {
        entries: rows.into_iter().map(entry).collect(),
        has_next,
    })
}
