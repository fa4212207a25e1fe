//! Cases, their members and their record, scoped to the transaction's tenant.

use crate::tenant::entities::{case, case_member, case_record};
use crate::tenant::versioned;
use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::LockType;
use sea_orm::{Condition, DatabaseBackend, QueryOrder, QuerySelect, QueryTrait};

pub use case::Model as CaseRow;
pub use case_record::Model as RecordRow;

/// A new case as the caller describes it.
pub struct NewCase {
    pub id: Uuid,
    pub signal_id: Option<Uuid>,
    pub family: serde_json::Value,
    pub variant_key: String,
    pub variant_version: i32,
    pub status: String,
    pub stage: String,
    pub curator_id: Option<UserId>,
    pub attributes: serde_json::Value,
    pub opened_at: DateTime<Utc>,
    pub parent_case_id: Option<Uuid>,
}

#[tracing::instrument(skip_all)]
pub async fn insert(tx: &TenantTx, new: NewCase) -> Result<CaseRow, StoreError> {
    let now = Utc::now();
    let model = case::ActiveModel {
        id: Set(new.id),
        tenant_id: Set(tx.tenant_id().0),
        signal_id: Set(new.signal_id),
        family: Set(new.family),
        variant_key: Set(new.variant_key),
        variant_version: Set(new.variant_version),
        status: Set(new.status),
        stage: Set(new.stage),
        stage_entered_at: Set(new.opened_at),
        curator_id: Set(new.curator_id.map(|c| c.0)),
        attributes: Set(new.attributes),
        opened_at: Set(new.opened_at),
        closed_at: Set(None),
        post_support_until: Set(None),
        outcome: Set(None),
        parent_case_id: Set(new.parent_case_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        next_due_at: Set(None),
        number: Set(Some(next_number(tx).await?)),
    };
    tx.touch(new.id);
    Ok(case::Entity::insert(model)
        .exec_with_returning(tx.conn())
        .await?)
}

/// The next case number of the organisation (1, 2, …), counted in the same transaction as the
/// case it numbers; concurrent openings wait for each other on the counter's row.
async fn next_number(tx: &TenantTx) -> Result<i64, StoreError> {
    let backend = tx.conn().get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "INSERT INTO case_numbers (tenant_id, last) VALUES ($1, 1) \
             ON CONFLICT (tenant_id) DO UPDATE SET last = case_numbers.last + 1 RETURNING last"
        }
        _ => {
            "INSERT INTO case_numbers (tenant_id, last) VALUES (?, 1) \
             ON CONFLICT (tenant_id) DO UPDATE SET last = case_numbers.last + 1 RETURNING last"
        }
    };
    let row = tx
        .conn()
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [tx.tenant_id().0.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// The case, or `NotFound` — also when it belongs to another tenant.
#[tracing::instrument(skip_all, fields(case = %id))]
pub async fn get(tx: &TenantTx, id: Uuid) -> Result<CaseRow, StoreError> {
    case::Entity::find_by_id(id)
        .filter(case::Column::TenantId.eq(tx.tenant_id().0))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)
}

/// Like [`get`], locking the row for the rest of the transaction on PostgreSQL (SQLite serialises
/// writers already).
#[tracing::instrument(skip_all, fields(case = %id))]
pub async fn get_for_update(tx: &TenantTx, id: Uuid) -> Result<CaseRow, StoreError> {
    let mut query =
        case::Entity::find_by_id(id).filter(case::Column::TenantId.eq(tx.tenant_id().0));
    if tx.conn().get_database_backend() == DatabaseBackend::Postgres {
        query = query.lock(LockType::Update);
    }
    query.one(tx.conn()).await?.ok_or(StoreError::NotFound)
}

/// Writes `changed` over the case if its version is still `expected_version`, bumping the version.
#[tracing::instrument(skip_all, fields(case = %changed.id))]
pub async fn update(
    tx: &TenantTx,
    changed: CaseRow,
    expected_version: i32,
) -> Result<CaseRow, StoreError> {
    // Every column is written (not only those that differ from what was read).
    let mut model: case::ActiveModel = changed.clone().into();
    model = model.reset_all();
    model.version = Set(expected_version + 1);
    model.updated_at = Set(Utc::now());
    model.tenant_id = NotSet;
    model.id = NotSet;
    model.created_at = NotSet;
    // Kept by the obligations and numbering, never by a writer of the case's own fields.
    model.next_due_at = NotSet;
    model.number = NotSet;
    tx.touch(changed.id);
    let result = case::Entity::update_many()
        .set(model)
        .filter(case::Column::Id.eq(changed.id))
        .filter(case::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case::Column::Version.eq(expected_version))
        .exec(tx.conn())
        .await?;
    if result.rows_affected == 0 {
        let current = get(tx, changed.id).await?;
        return Err(versioned::stale(current.version));
    }
    get(tx, changed.id).await
}

/// Cases by id, in one statement.
#[tracing::instrument(skip_all, fields(count = ids.len()))]
pub async fn get_many(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<CaseRow>, StoreError> {
    Ok(case::Entity::find()
        .filter(case::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case::Column::Id.is_in(ids.iter().copied()))
        .all(tx.conn())
        .await?)
}

/// Filters for case lists. Every set field narrows the list.
#[derive(Debug, Default, Clone)]
pub struct CaseFilter {
    pub statuses: Vec<String>,
    pub curator: Option<UserId>,
    /// Cases this user curates or is a member of (a curator's or specialist's scope).
    pub visible_to: Option<UserId>,
    pub attribute_equals: Vec<(String, String)>,
    pub ids: Option<Vec<Uuid>>,
}

fn filtered(tx: &TenantTx, filter: &CaseFilter) -> Select<case::Entity> {
    let mut query = case::Entity::find().filter(case::Column::TenantId.eq(tx.tenant_id().0));
    if !filter.statuses.is_empty() {
        query = query.filter(case::Column::Status.is_in(filter.statuses.clone()));
    }
    if let Some(curator) = filter.curator {
        query = query.filter(case::Column::CuratorId.eq(curator.0));
    }
    if let Some(user) = filter.visible_to {
        let member_of = case_member::Entity::find()
            .select_only()
            .column(case_member::Column::CaseId)
            .filter(case_member::Column::TenantId.eq(tx.tenant_id().0))
            .filter(case_member::Column::UserId.eq(user.0))
            .filter(case_member::Column::EndedAt.is_null())
            .into_query();
        query = query.filter(
            Condition::any()
                .add(case::Column::CuratorId.eq(user.0))
                .add(case::Column::Id.in_subquery(member_of)),
        );
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(case::Column::Id.is_in(ids.iter().copied()));
    }
    // Attributes are read from the case's JSON in SQL: `->>` on PostgreSQL, `json_extract` on
    // SQLite; the key and the value are bound, never spliced in.
    for (key, value) in &filter.attribute_equals {
        let condition = match tx.conn().get_database_backend() {
            DatabaseBackend::Postgres => Expr::cust_with_values(
                "(\"cases\".\"attributes\" ->> $1) = $2",
                [key.clone(), value.clone()],
            ),
            _ => Expr::cust_with_values(
                "json_extract(\"cases\".\"attributes\", '$.' || ?) = ?",
                [key.clone(), value.clone()],
            ),
        };
        query = query.filter(condition);
    }
    query
}

/// One page of the cases matching `filter`, newest first (by opening, then id), behind the case
/// `after` when given — a keyset that stays put while cases are added — and whether more follow.
#[tracing::instrument(skip_all, fields(first))]
pub async fn page(
    tx: &TenantTx,
    filter: &CaseFilter,
    after: Option<&CaseRow>,
    first: u64,
) -> Result<(Vec<CaseRow>, bool), StoreError> {
    let mut query = filtered(tx, filter);
    if let Some(after) = after {
        query = query.filter(
            Condition::any()
                .add(case::Column::OpenedAt.lt(after.opened_at))
                .add(
                    Condition::all()
                        .add(case::Column::OpenedAt.eq(after.opened_at))
                        .add(case::Column::Id.lt(after.id)),
                ),
        );
    }
    let mut rows = query
        .order_by_desc(case::Column::OpenedAt)
        .order_by_desc(case::Column::Id)
        .limit(first + 1)
        .all(tx.conn())
        .await?;
    let more = rows.len() as u64 > first;
    rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok((rows, more))
}

/// How many cases match `filter`.
#[tracing::instrument(skip_all)]
pub async fn count(tx: &TenantTx, filter: &CaseFilter) -> Result<u64, StoreError> {
    Ok(filtered(tx, filter).count(tx.conn()).await?)
}

/// Every case matching `filter`, newest first.
#[tracing::instrument(skip_all)]
pub async fn list(tx: &TenantTx, filter: &CaseFilter) -> Result<Vec<CaseRow>, StoreError> {
    Ok(filtered(tx, filter)
        .order_by_desc(case::Column::OpenedAt)
        .order_by_desc(case::Column::Id)
        .all(tx.conn())
        .await?)
}

/// Puts `user` on the case in `kind` (curator, specialist, first-visit team, intake); a person
/// who had left the case in that capacity is back from now on. Returns `false` when they are on
/// it already.
#[tracing::instrument(skip_all)]
pub async fn add_member(
    tx: &TenantTx,
    case_id: Uuid,
    user: UserId,
    kind: &str,
) -> Result<bool, StoreError> {
    let existing = case_member::Entity::find()
        .filter(case_member::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_member::Column::CaseId.eq(case_id))
        .filter(case_member::Column::UserId.eq(user.0))
        .filter(case_member::Column::Kind.eq(kind))
        .one(tx.conn())
        .await?;
    match existing {
        Some(row) if row.ended_at.is_none() => Ok(false),
        Some(_) => {
            case_member::Entity::update_many()
                .col_expr(case_member::Column::AddedAt, Expr::value(Utc::now()))
                .col_expr(
                    case_member::Column::EndedAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(case_member::Column::TenantId.eq(tx.tenant_id().0))
                .filter(case_member::Column::CaseId.eq(case_id))
                .filter(case_member::Column::UserId.eq(user.0))
                .filter(case_member::Column::Kind.eq(kind))
                .exec(tx.conn())
                .await?;
            Ok(true)
        }
        None => {
            let model = case_member::ActiveModel {
                tenant_id: Set(tx.tenant_id().0),
                case_id: Set(case_id),
                user_id: Set(user.0),
                kind: Set(kind.to_owned()),
                added_at: Set(Utc::now()),
                ended_at: Set(None),
            };
            case_member::Entity::insert(model)
                .exec_without_returning(tx.conn())
                .await?;
            Ok(true)
        }
    }
}

/// Ends `user`'s membership on the case — in `kind`, or in every capacity when `kind` is `None`.
/// From this moment they no longer see the case. Returns how many memberships ended.
#[tracing::instrument(skip_all)]
pub async fn end_member(
    tx: &TenantTx,
    case_id: Uuid,
    user: UserId,
    kind: Option<&str>,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut update = case_member::Entity::update_many()
        .col_expr(case_member::Column::EndedAt, Expr::value(Some(at)))
        .filter(case_member::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_member::Column::CaseId.eq(case_id))
        .filter(case_member::Column::UserId.eq(user.0))
        .filter(case_member::Column::EndedAt.is_null());
    if let Some(kind) = kind {
        update = update.filter(case_member::Column::Kind.eq(kind));
    }
    Ok(update.exec(tx.conn()).await?.rows_affected)
}

#[tracing::instrument(skip_all)]
pub async fn members(
    tx: &TenantTx,
    case_ids: &[Uuid],
) -> Result<Vec<case_member::Model>, StoreError> {
    Ok(case_member::Entity::find()
        .filter(case_member::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_member::Column::CaseId.is_in(case_ids.iter().copied()))
        .all(tx.conn())
        .await?)
}

/// Whether `user` curates the case or is on its team now.
pub async fn is_on_case(tx: &TenantTx, case: &CaseRow, user: UserId) -> Result<bool, StoreError> {
    if case.curator_id == Some(user.0) {
        return Ok(true);
    }
    let found = case_member::Entity::find()
        .filter(case_member::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_member::Column::CaseId.eq(case.id))
        .filter(case_member::Column::UserId.eq(user.0))
        .filter(case_member::Column::EndedAt.is_null())
        .one(tx.conn())
        .await?;
    Ok(found.is_some())
}

/// An entry for the case's record.
pub struct NewRecord {
    pub case_id: Uuid,
    pub kind: &'static str,
    pub key: String,
    pub at: DateTime<Utc>,
    pub data: serde_json::Value,
    pub actor: Option<UserId>,
}

impl NewRecord {
    /// An entry with no data of its own; add some with [`NewRecord::with`].
    pub fn new(
        case_id: Uuid,
        kind: &'static str,
        key: impl Into<String>,
        at: DateTime<Utc>,
        actor: UserId,
    ) -> Self {
        Self {
            case_id,
            kind,
            key: key.into(),
            at,
            data: serde_json::json!({}),
            actor: Some(actor),
        }
    }

    pub fn with(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}

#[tracing::instrument(skip_all, fields(kind = new.kind))]
pub async fn append_record(tx: &TenantTx, new: NewRecord) -> Result<RecordRow, StoreError> {
    tx.touch(new.case_id);
    let model = case_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tx.tenant_id().0),
        case_id: Set(new.case_id),
        kind: Set(new.kind.to_owned()),
        key: Set(new.key),
        at: Set(new.at),
        data: Set(new.data),
        actor_id: Set(new.actor.map(|a| a.0)),
        created_at: Set(Utc::now()),
    };
    Ok(case_record::Entity::insert(model)
        .exec_with_returning(tx.conn())
        .await?)
}

/// The records of several cases, oldest first, in one statement.
#[tracing::instrument(skip_all, fields(count = case_ids.len()))]
pub async fn records(tx: &TenantTx, case_ids: &[Uuid]) -> Result<Vec<RecordRow>, StoreError> {
    Ok(case_record::Entity::find()
        .filter(case_record::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_record::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(case_record::Column::At)
        .order_by_asc(case_record::Column::Id)
        .all(tx.conn())
        .await?)
}

/// Count of active cases per curator, for caseload decisions.
#[tracing::instrument(skip_all)]
pub async fn active_of_curator(tx: &TenantTx, curator: UserId) -> Result<Vec<CaseRow>, StoreError> {
    Ok(case::Entity::find()
        .filter(case::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case::Column::CuratorId.eq(curator.0))
        .filter(case::Column::Status.is_in(["intake", "open", "post_support"]))
        .all(tx.conn())
        .await?)
}

/// Serialises caseload decisions for one curator until the transaction ends. On PostgreSQL an
/// advisory transaction lock; SQLite allows one writer at a time anyway.
pub async fn lock_curator(tx: &TenantTx, curator: UserId) -> Result<(), StoreError> {
    if tx.conn().get_database_backend() == DatabaseBackend::Postgres {
        let key = curator.0.as_u64_pair().0 as i64;
        tx.conn()
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [key.into()],
            ))
            .await?;
    }
    Ok(())
}
