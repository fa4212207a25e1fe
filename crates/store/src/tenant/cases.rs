//! Cases, their members and their record, scoped to the transaction's tenant.

use crate::tenant::entities::{case, case_member, case_obligation, case_record, case_search_term};
use crate::tenant::{obligations, versioned};
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
    let terms = search_terms(&new.family);
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
    let case = case::Entity::insert(model)
        .exec_with_returning(tx.conn())
        .await?;
    if !terms.is_empty() {
        let rows = terms.into_iter().map(|term| case_search_term::ActiveModel {
            tenant_id: Set(tx.tenant_id().0),
            term: Set(term),
            case_id: Set(case.id),
        });
        case_search_term::Entity::insert_many(rows)
            .exec_without_returning(tx.conn())
            .await?;
    }
    Ok(case)
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
    /// Cases with an open obligation due before this instant (overdue at it).
    pub overdue_at: Option<DateTime<Utc>>,
    /// Cases with an open obligation due in this span (inclusive).
    pub due_between: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub opened_from: Option<DateTime<Utc>>,
    pub opened_to: Option<DateTime<Utc>>,
    pub closed_from: Option<DateTime<Utc>>,
    pub closed_to: Option<DateTime<Utc>>,
    pub search: Option<Search>,
}

/// Finding a family: by case number, or by words of the family's names (each a prefix of a word).
#[derive(Debug, Clone)]
pub enum Search {
    Number(i64),
    Words(Vec<String>),
}

/// The words a family is found by: every word of its names (values under keys naming a name —
/// `name`, `surname`, `last_name`…, at any depth), lower-cased, with ё read as е.
pub fn search_terms(family: &serde_json::Value) -> Vec<String> {
    fn walk(value: &serde_json::Value, named: bool, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(text) if named => {
                for word in words(text) {
                    if !out.contains(&word) {
                        out.push(word);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, named, out);
                }
            }
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    walk(item, key.to_lowercase().contains("name"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(family, false, &mut out);
    out
}

/// The words of a text as search terms: letters and digits, lower-cased, ё as е, 2 to 100 chars.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '-')
        .map(|w| {
            w.trim_matches('-')
                .to_lowercase()
                .replace('ё', "е")
                .chars()
                .take(100)
                .collect::<String>()
        })
        .filter(|w| w.chars().count() >= 2)
        .collect()
}

/// The largest character: a prefix's upper bound in a range over terms (byte order on both
/// backends — the column is collated "C" on PostgreSQL).
const PREFIX_END: char = '\u{10FFFF}';

/// Whether the list is found through a narrower set than the organisation's cases — the
/// person's scope or the cases whose names hold the words searched for — and then sorted.
fn found_through_ids(filter: &CaseFilter) -> bool {
    filter.visible_to.is_some() || matches!(filter.search, Some(Search::Words(_)))
}

fn filtered(tx: &TenantTx, filter: &CaseFilter) -> Select<case::Entity> {
    let sqlite = tx.conn().get_database_backend() == DatabaseBackend::Sqlite;
    let mut query = if sqlite && found_through_ids(filter) {
        // A person's scope and a search are found through the ids of the cases they hold or
        // match (below). On SQLite the tenant is compared with `+`, so that no index leading
        // with the tenant (by opening, by number) can be walked instead: its planner does that
        // when its statistics are missing or stale, as they are in a long-lived connection
        // (another connection's `ANALYZE` reaches it only when it reloads the schema), and a
        // curator's list then read every case the organisation ever held.
        case::Entity::find().filter(Expr::cust_with_values(
            "+\"cases\".\"tenant_id\" = ?",
            [tx.tenant_id().0],
        ))
    } else {
        case::Entity::find().filter(case::Column::TenantId.eq(tx.tenant_id().0))
    };
    if !filter.statuses.is_empty() {
        query = query.filter(case::Column::Status.is_in(filter.statuses.clone()));
    }
    if let Some(curator) = filter.curator {
        query = query.filter(case::Column::CuratorId.eq(curator.0));
    }
    if let Some(user) = filter.visible_to {
        // The cases the person curates, and those they are on now: a union of two index lookups,
        // so the person's scope costs what they hold, not what the organisation holds.
        let mut scope = case::Entity::find()
            .select_only()
            .column(case::Column::Id)
            .filter(case::Column::TenantId.eq(tx.tenant_id().0))
            .filter(case::Column::CuratorId.eq(user.0))
            .into_query();
        let member_of = case_member::Entity::find()
            .select_only()
            .column(case_member::Column::CaseId)
            .filter(case_member::Column::TenantId.eq(tx.tenant_id().0))
            .filter(case_member::Column::UserId.eq(user.0))
            .filter(case_member::Column::EndedAt.is_null())
            .into_query();
        scope.union(sea_orm::sea_query::UnionType::All, member_of);
        query = query.filter(case::Column::Id.in_subquery(scope));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(case::Column::Id.is_in(ids.iter().copied()));
    }
    if let Some(at) = filter.overdue_at {
        query = query.filter(case::Column::NextDueAt.lt(at));
    }
    if let Some((from, to)) = filter.due_between {
        let due = case_obligation::Entity::find()
            .select_only()
            .column(case_obligation::Column::CaseId)
            .filter(case_obligation::Column::TenantId.eq(tx.tenant_id().0))
            .filter(case_obligation::Column::DueAt.gte(from))
            .filter(case_obligation::Column::DueAt.lte(to))
            .into_query();
        query = query.filter(case::Column::Id.in_subquery(due));
    }
    if let Some(from) = filter.opened_from {
        query = query.filter(case::Column::OpenedAt.gte(from));
    }
    if let Some(to) = filter.opened_to {
        query = query.filter(case::Column::OpenedAt.lte(to));
    }
    if let Some(from) = filter.closed_from {
        query = query.filter(case::Column::ClosedAt.gte(from));
    }
    if let Some(to) = filter.closed_to {
        query = query.filter(case::Column::ClosedAt.lte(to));
    }
    match &filter.search {
        None => {}
        Some(Search::Number(number)) => {
            query = query.filter(case::Column::Number.eq(*number));
        }
        Some(Search::Words(words)) => {
            for word in words {
                let found = case_search_term::Entity::find()
                    .select_only()
                    .column(case_search_term::Column::CaseId)
                    .filter(case_search_term::Column::TenantId.eq(tx.tenant_id().0))
                    .filter(case_search_term::Column::Term.gte(word.clone()))
                    .filter(case_search_term::Column::Term.lt(format!("{word}{PREFIX_END}")))
                    .into_query();
                query = query.filter(case::Column::Id.in_subquery(found));
            }
        }
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
        .order_by_desc(opening_order(tx, filter))
        .order_by_desc(case::Column::Id)
        .limit(first + 1)
        .all(tx.conn())
        .await?;
    let more = rows.len() as u64 > first;
    rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok((rows, more))
}

/// The order of a page: by opening. An overdue list is found through the cases' next due
/// instants (only open cases have one, so it costs what is open, not what the organisation ever
/// held), a person's list and a search through the ids they hold or match ([`filtered`]), and
/// then sorted; SQLite's planner would otherwise walk every case in opening order to find them,
/// and `+` keeps it from reading that order off the index.
fn opening_order(tx: &TenantTx, filter: &CaseFilter) -> sea_orm::sea_query::SimpleExpr {
    if (filter.overdue_at.is_some() || found_through_ids(filter))
        && tx.conn().get_database_backend() == DatabaseBackend::Sqlite
    {
        Expr::cust("+\"cases\".\"opened_at\"")
    } else {
        Expr::col((case::Entity, case::Column::OpenedAt))
    }
}

/// How many cases match `filter`.
#[tracing::instrument(skip_all)]
pub async fn count(tx: &TenantTx, filter: &CaseFilter) -> Result<u64, StoreError> {
    Ok(filtered(tx, filter).count(tx.conn()).await?)
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
    insert_record(tx, new).await
}

/// [`append_record`] to `case`, read in this transaction, whose row the transaction does not
/// change: the obligations kept at commit start from `case` instead of reading it again.
#[tracing::instrument(skip_all)]
pub async fn append_record_of(
    tx: &TenantTx,
    case: &CaseRow,
    new: NewRecord,
) -> Result<RecordRow, StoreError> {
    if new.case_id != case.id {
        return Err(StoreError::NotFound);
    }
    tx.touch_record_of(case);
    insert_record(tx, new).await
}

/// [`append_record_of`], with the line of the audit trail that `audit` makes of the entry as it is
/// stored, both sent to the database at once: a turn to it and back fewer on the way of every
/// contact a curator records. PostgreSQL runs them as one statement (the entry's insert in a
/// `WITH`), SQLite as two statements of one call.
#[tracing::instrument(skip_all)]
pub async fn append_record_of_audited(
    tx: &TenantTx,
    case: &CaseRow,
    new: NewRecord,
    audit: impl FnOnce(&RecordRow) -> crate::tenant::audit::AuditRecord,
) -> Result<RecordRow, StoreError> {
    if new.case_id != case.id {
        return Err(StoreError::NotFound);
    }
    tx.touch_record_of(case);
    let backend = tx.conn().get_database_backend();
    let postgres = backend == DatabaseBackend::Postgres;
    // The entry as the database keeps it, so that the audit line and the caller get what a read
    // returns: PostgreSQL keeps instants to the microsecond (the driver truncates them so),
    // SQLite keeps them as given.
    let kept = |t: DateTime<Utc>| {
        if postgres {
            chrono::SubsecRound::trunc_subsecs(t, 6)
        } else {
            t
        }
    };
    let row = RecordRow {
        id: Uuid::now_v7(),
        tenant_id: tx.tenant_id().0,
        case_id: new.case_id,
        kind: new.kind.to_owned(),
        key: new.key,
        at: kept(new.at),
        data: new.data,
        actor_id: new.actor.map(|a| a.0),
        created_at: kept(Utc::now()),
    };
    let line = crate::tenant::audit::row_values(tx.tenant_id().0, audit(&row));
    let mut values: Vec<sea_orm::Value> = Vec::new();
    let mut params = |list: Vec<sea_orm::Value>| {
        let params: Vec<String> = list
            .into_iter()
            .map(|value| placeholder(postgres, &mut values, value))
            .collect();
        params.join(", ")
    };
    let entry = format!(
        "INSERT INTO case_records (id, tenant_id, case_id, kind, key, at, data, actor_id, created_at) \
         VALUES ({})",
        params(vec![
            row.id.into(),
            row.tenant_id.into(),
            row.case_id.into(),
            row.kind.clone().into(),
            row.key.clone().into(),
            row.at.into(),
            row.data.clone().into(),
            row.actor_id.into(),
            row.created_at.into(),
        ])
    );
    let line = format!(
        "INSERT INTO audit_log ({}) VALUES ({})",
        crate::tenant::audit::COLUMNS,
        params(line.into())
    );
    let sql = if postgres {
        format!("WITH entry AS ({entry}) {line}")
    } else {
        format!("{entry}; {line}")
    };
    tx.conn()
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend, sql, values,
        ))
        .await?;
    Ok(row)
}

async fn insert_record(tx: &TenantTx, new: NewRecord) -> Result<RecordRow, StoreError> {
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

/// One record entry of a case.
#[tracing::instrument(skip_all)]
pub async fn record(tx: &TenantTx, case_id: Uuid, id: Uuid) -> Result<RecordRow, StoreError> {
    case_record::Entity::find()
        .filter(case_record::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_record::Column::CaseId.eq(case_id))
        .filter(case_record::Column::Id.eq(id))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)
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

/// Adds `value` to the values of a statement written by hand and answers its placeholder.
fn placeholder(postgres: bool, values: &mut Vec<sea_orm::Value>, value: sea_orm::Value) -> String {
    values.push(value);
    if postgres {
        format!("${}", values.len())
    } else {
        "?".to_owned()
    }
}

/// When a case recorded entries of one key of a kind: every instant, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTimes {
    pub case_id: Uuid,
    pub key: String,
    pub at: Vec<DateTime<Utc>>,
}

/// What the obligations of several cases are computed from, in one statement: their entries of
/// `whole_kinds` in full, oldest first (their data counts: a schedule's date, the cadence set at
/// closure), and the instants of their entries of `timed_kind`, one row per case and key
/// whatever the length of their history (for facts of which only the key and the time count —
/// contacts — instead of every entry with its data, one row each).
#[tracing::instrument(skip_all, fields(count = case_ids.len(), timed_kind))]
pub async fn entries_and_times(
    tx: &TenantTx,
    case_ids: &[Uuid],
    whole_kinds: &[&str],
    timed_kind: &str,
) -> Result<(Vec<RecordRow>, Vec<KeyTimes>), StoreError> {
    let (entries, times, _) = read_facts(tx, case_ids, whole_kinds, timed_kind, false).await?;
    Ok((entries, times))
}

/// [`entries_and_times`], and what is stored of the same cases' obligations with the calendar
/// revision ([`obligations::Kept`]), in the same statement: what the obligations keeper reads
/// at every change of a case, in one round trip to the database.
#[tracing::instrument(skip_all, fields(count = case_ids.len(), timed_kind))]
pub async fn entries_times_and_kept(
    tx: &TenantTx,
    case_ids: &[Uuid],
    whole_kinds: &[&str],
    timed_kind: &str,
) -> Result<(Vec<RecordRow>, Vec<KeyTimes>, obligations::Kept), StoreError> {
    read_facts(tx, case_ids, whole_kinds, timed_kind, true).await
}

async fn read_facts(
    tx: &TenantTx,
    case_ids: &[Uuid],
    whole_kinds: &[&str],
    timed_kind: &str,
    with_kept: bool,
) -> Result<(Vec<RecordRow>, Vec<KeyTimes>, obligations::Kept), StoreError> {
    if case_ids.is_empty() {
        return Ok(Default::default());
    }
    let backend = tx.conn().get_database_backend();
    let postgres = backend == DatabaseBackend::Postgres;
    let mut values: Vec<sea_orm::Value> = Vec::new();
    let mut param = |value: sea_orm::Value| placeholder(postgres, &mut values, value);
    // Each part of the statement has its own placeholders: SQLite's `?` are taken in order.
    let mut part = |kinds: &[&str]| {
        let tenant = param(tx.tenant_id().0.into());
        let cases: Vec<String> = case_ids.iter().map(|id| param((*id).into())).collect();
        let kinds: Vec<String> = kinds
            .iter()
            .map(|k| param((*k).to_owned().into()))
            .collect();
        (tenant, cases.join(", "), kinds.join(", "))
    };
    let (tenant, cases, kinds) = part(whole_kinds);
    let (tenant_t, cases_t, timed) = part(&[timed_kind]);
    let kept = if with_kept {
        let (tenant_o, cases_o, _) = part(&[]);
        let (tenant_r, cases_r, _) = part(&[]);
        let (tenant_c, _, _) = part(&[]);
        obligations::kept_parts(&tenant_o, &cases_o, &tenant_r, &cases_r, &tenant_c)
    } else {
        String::new()
    };
    // Instants of the timed kind travel as an array on PostgreSQL (binary, nothing formatted or
    // parsed), as RFC 3339 text on SQLite, which stores them so. Both parts read the index that
    // leads with the case and the kind (migration `m20261130_000400`): the times from it alone,
    // the entries without walking the rest of the case's record. SQLite is told to, as its
    // planner, without statistics, may walk every record of a kind in the organisation instead.
    let (times, records) = if postgres {
        ("array_agg(at)", "case_records")
    } else {
        (
            "group_concat(at, ',')",
            "case_records INDEXED BY case_records_of_case_by_kind",
        )
    };
    // Every part answers the columns of a record entry, then those of a stored obligation, a
    // part leaving NULL what it lacks. PostgreSQL types a chain of UNIONs pair by pair, so the
    // first part names the type of each column it leaves NULL.
    let instant = if postgres { "timestamptz" } else { "TEXT" };
    let no_obligation = format!(
        "CAST(NULL AS TEXT) AS subject, CAST(NULL AS {instant}) AS from_at, \
         CAST(NULL AS {instant}) AS due_at, CAST(NULL AS {instant}) AS remind_at, \
         CAST(NULL AS TEXT) AS status, CAST(NULL AS {instant}) AS updated_at, \
         CAST(NULL AS {instant}) AS met_at, CAST(NULL AS INTEGER) AS revision"
    );
    let sql = format!(
        "SELECT 'entry' AS part, id, case_id, kind, key, at, data, actor_id, created_at, \
                NULL AS times, {no_obligation} \
           FROM {records} \
          WHERE tenant_id = {tenant} AND case_id IN ({cases}) AND kind IN ({kinds}) \
         UNION ALL \
         SELECT 'times', NULL, case_id, NULL, key, NULL, NULL, NULL, NULL, {times}, \
                NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
           FROM {records} \
          WHERE tenant_id = {tenant_t} AND case_id IN ({cases_t}) AND kind = {timed} \
          GROUP BY case_id, key \
         {kept} \
         ORDER BY 1, 6, 2"
    );
    let rows = tx
        .conn()
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend, sql, values,
        ))
        .await?;
    let (mut entries, mut timed) = (Vec::new(), Vec::new());
    let mut stored = obligations::Kept::default();
    for row in rows {
        let part: String = row.try_get("", "part")?;
        match part.as_str() {
            "entry" => entries.push(RecordRow {
                id: row.try_get("", "id")?,
                tenant_id: tx.tenant_id().0,
                case_id: row.try_get("", "case_id")?,
                kind: row.try_get("", "kind")?,
                key: row.try_get("", "key")?,
                at: row.try_get("", "at")?,
                data: row.try_get("", "data")?,
                actor_id: row.try_get("", "actor_id")?,
                created_at: row.try_get("", "created_at")?,
            }),
            "times" => {
                let mut at = if postgres {
                    instants_of_array(&row)?
                } else {
                    let times: String = row.try_get("", "times")?;
                    times
                        .split(',')
                        .map(parse_instant)
                        .collect::<Result<Vec<_>, _>>()?
                };
                at.sort_unstable();
                timed.push(KeyTimes {
                    case_id: row.try_get("", "case_id")?,
                    key: row.try_get("", "key")?,
                    at,
                });
            }
            other => obligations::add_kept(&mut stored, tx.tenant_id().0, other, &row)?,
        }
    }
    Ok((entries, timed, stored))
}

/// The `times` of a row of [`read_facts`] on PostgreSQL: an array of instants.
fn instants_of_array(row: &sea_orm::QueryResult) -> Result<Vec<DateTime<Utc>>, StoreError> {
    use sea_orm::sqlx::Row;
    let undecodable = |e: String| {
        StoreError::Database(DbErr::Custom(format!(
            "the instants of a key are not an array: {e}"
        )))
    };
    row.try_as_pg_row()
        .ok_or_else(|| undecodable("not a PostgreSQL row".into()))?
        .try_get::<Vec<DateTime<Utc>>, _>("times")
        .map_err(|e| undecodable(e.to_string()))
}

/// An instant as [`entries_and_times`] reads it: RFC 3339, or the other spellings SQLite's driver
/// accepts for a stored timestamp (a space for `T`, no offset meaning UTC).
fn parse_instant(text: &str) -> Result<DateTime<Utc>, StoreError> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(at) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z") {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(at) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Ok(at.and_utc());
        }
    }
    Err(StoreError::Database(DbErr::Custom(format!(
        "a record's instant «{text}» is not a timestamp"
    ))))
}

/// The active cases (intake, open, post-support) pinned to a variant version older than
/// `version`, oldest number first: the cases a migration to `version` concerns.
#[tracing::instrument(skip_all, fields(version))]
pub async fn active_before_version(
    tx: &TenantTx,
    version: i32,
) -> Result<Vec<CaseRow>, StoreError> {
    Ok(case::Entity::find()
        .filter(case::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case::Column::VariantVersion.lt(version))
        .filter(case::Column::Status.is_in(["intake", "open", "post_support"]))
        .order_by_asc(case::Column::Number)
        .order_by_asc(case::Column::Id)
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

/// One group of a supervisor's board: the active (or post-support) cases of one curator that share
/// the values of the attributes the caseload policy reads, with how many of them are overdue, went
/// two weeks without a plan action, or await approvals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardGroup {
    pub curator: Uuid,
    pub post_support: bool,
    /// The values of the requested attributes, in their order.
    pub attributes: Vec<Option<String>>,
    pub cases: u64,
    pub overdue: u64,
    pub without_plan_action: u64,
    pub awaiting_approval: u64,
}

/// The board in one aggregate statement over the tenant's active cases: grouped by curator,
/// post-support or not, and the values of `attributes` (what the caseload policy reads). A case
/// is overdue when an open obligation's due instant is before `now`; it went without a plan
/// action when it is open, has a plan, and its last completed action (or, with none, its first
/// plan meeting) is before `quiet_since`; it awaits approval while a decision an emergency went
/// ahead without is not recorded after the flag.
#[tracing::instrument(skip_all)]
pub async fn board(
    tx: &TenantTx,
    now: DateTime<Utc>,
    quiet_since: DateTime<Utc>,
    attributes: &[String],
) -> Result<Vec<BoardGroup>, StoreError> {
    let backend = tx.conn().get_database_backend();
    let postgres = backend == DatabaseBackend::Postgres;
    let mut values: Vec<sea_orm::Value> = Vec::new();
    let mut param = |value: sea_orm::Value| placeholder(postgres, &mut values, value);
    let mut columns = String::new();
    for key in attributes {
        let key = param(key.clone().into());
        columns.push_str(&if postgres {
            format!(", (c.attributes ->> {key}) AS a")
        } else {
            format!(", json_extract(c.attributes, '$.' || {key}) AS a")
        });
    }
    let now = param(now.into());
    let quiet = param(quiet_since.into());
    let tenant = param(tx.tenant_id().0.into());
    let group_by: Vec<String> = (1..=attributes.len() + 2).map(|i| i.to_string()).collect();
    // SQLite's statistics know how many cases each status has on average, not that nearly all
    // of a large organisation's are closed, and a long-lived connection may have none at all:
    // left to itself its planner walks every case with a curator (`cases_by_curator`) and, for
    // the approvals, every pending approval of the organisation (`case_records_by_kind`) once
    // per case, so the board grew with the closed history. Named, the status index reads the
    // active cases only and each case's own record is read by case. PostgreSQL keeps its
    // statistics up to date (autovacuum) and sees the skew.
    let (cases, by_case) = if postgres {
        ("", "")
    } else {
        (
            " INDEXED BY cases_by_status",
            " INDEXED BY case_records_by_case",
        )
    };
    let sql = format!(
        "SELECT c.curator_id AS curator, \
                CAST(CASE WHEN c.status = 'post_support' THEN 1 ELSE 0 END AS BIGINT) AS post{columns}, \
                COUNT(*) AS cases, \
                SUM(CASE WHEN c.next_due_at < {now} THEN 1 ELSE 0 END) AS overdue, \
                SUM(CASE WHEN c.status = 'open' AND COALESCE( \
                      (SELECT MAX(a.done_at) FROM plan_actions a \
                        WHERE a.tenant_id = c.tenant_id AND a.case_id = c.id), \
                      (SELECT MIN(r.meeting_date) FROM plan_revisions r \
                        WHERE r.tenant_id = c.tenant_id AND r.case_id = c.id)) < {quiet} \
                    THEN 1 ELSE 0 END) AS quiet, \
                SUM(CASE WHEN EXISTS (SELECT 1 FROM case_records p{by_case} \
                      WHERE p.tenant_id = c.tenant_id AND p.case_id = c.id \
                        AND p.kind = 'pending_approval' \
                        AND NOT EXISTS (SELECT 1 FROM case_records d{by_case} \
                          WHERE d.tenant_id = p.tenant_id AND d.case_id = p.case_id \
                            AND d.kind = 'decision' AND d.key = p.key \
                            AND (d.at > p.at OR (d.at = p.at AND d.id > p.id)))) \
                    THEN 1 ELSE 0 END) AS awaiting \
         FROM cases c{cases} \
         WHERE c.tenant_id = {tenant} AND c.curator_id IS NOT NULL \
           AND c.status IN ('intake', 'open', 'post_support') \
         GROUP BY {}",
        group_by.join(", ")
    );
    let rows = tx
        .conn()
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend, sql, values,
        ))
        .await?;
    let count = |row: &sea_orm::QueryResult, column: &str| -> Result<u64, StoreError> {
        let n: Option<i64> = row.try_get("", column)?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    };
    let mut groups = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(attributes.len());
        for i in 0..attributes.len() {
            values.push(row.try_get_by_index::<Option<String>>(2 + i)?);
        }
        groups.push(BoardGroup {
            curator: row.try_get("", "curator")?,
            post_support: count(&row, "post")? == 1,
            attributes: values,
            cases: count(&row, "cases")?,
            overdue: count(&row, "overdue")?,
            without_plan_action: count(&row, "quiet")?,
            awaiting_approval: count(&row, "awaiting")?,
        });
    }
    Ok(groups)
}

/// Active cases (intake, open, post-support) with no stored obligation and no next due instant,
/// by id, behind `after`: those whose obligations may never have been written.
#[tracing::instrument(skip_all)]
pub async fn without_obligations(
    tx: &TenantTx,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<CaseRow>, StoreError> {
    let kept = case_obligation::Entity::find()
        .select_only()
        .column(case_obligation::Column::CaseId)
        .filter(case_obligation::Column::TenantId.eq(tx.tenant_id().0))
        .into_query();
    let mut query = case::Entity::find()
        .filter(case::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case::Column::Status.is_in(["intake", "open", "post_support"]))
        .filter(case::Column::NextDueAt.is_null())
        .filter(case::Column::Id.not_in_subquery(kept));
    if let Some(after) = after {
        query = query.filter(case::Column::Id.gt(after));
    }
    Ok(query
        .order_by_asc(case::Column::Id)
        .limit(limit)
        .all(tx.conn())
        .await?)
}

/// What the organisation's own indicators read of a case: when it opened and closed, its status, curator and attributes (risk, category), its family (to count the
/// children) and what its closure recorded — no names are used.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct IndicatorCase {
    pub id: Uuid,
    pub status: String,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub post_support_until: Option<DateTime<Utc>>,
    pub curator_id: Option<Uuid>,
    pub attributes: serde_json::Value,
    pub family: serde_json::Value,
    pub outcome: Option<serde_json::Value>,
}

/// Every case of the organisation supported on at least one day of `[from, to)`: opened before
/// `to` and not closed before `from`, or still in post-support after `from` — which includes
/// every case opened or closed in the period.
#[tracing::instrument(skip_all)]
pub async fn supported_between(
    tx: &TenantTx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<IndicatorCase>, StoreError> {
    Ok(case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::Status)
        .column(case::Column::OpenedAt)
        .column(case::Column::ClosedAt)
        .column(case::Column::PostSupportUntil)
        .column(case::Column::CuratorId)
        .column(case::Column::Attributes)
        .column(case::Column::Family)
        .column(case::Column::Outcome)
        .filter(case::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case::Column::OpenedAt.lt(to))
        .filter(
            Condition::any()
                .add(case::Column::ClosedAt.is_null())
                .add(case::Column::ClosedAt.gte(from))
                .add(case::Column::Status.eq("post_support"))
                .add(case::Column::PostSupportUntil.gte(from)),
        )
        .into_model::<IndicatorCase>()
        .all(tx.conn())
        .await?)
}

/// When the organisation's first case was registered: the start of everything its indicators
/// count (nothing is carried into the year it falls in).
pub async fn first_opened_at(tx: &TenantTx) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(case::Entity::find()
        .select_only()
        .column(case::Column::OpenedAt)
        .filter(case::Column::TenantId.eq(tx.tenant_id().0))
        .order_by_asc(case::Column::OpenedAt)
        .limit(1)
        .into_tuple::<DateTime<Utc>>()
        .one(tx.conn())
        .await?)
}

/// An entry of a case's record as the indicators read it.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct IndicatorRecord {
    pub case_id: Uuid,
    pub kind: String,
    pub key: String,
    pub at: DateTime<Utc>,
    pub data: serde_json::Value,
}

/// The organisation's record entries of `kinds` made in `[from, to)` (closures, reopenings),
/// earliest first.
#[tracing::instrument(skip_all)]
pub async fn records_between(
    tx: &TenantTx,
    kinds: &[&str],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<IndicatorRecord>, StoreError> {
    Ok(case_record::Entity::find()
        .select_only()
        .column(case_record::Column::CaseId)
        .column(case_record::Column::Kind)
        .column(case_record::Column::Key)
        .column(case_record::Column::At)
        .column(case_record::Column::Data)
        .filter(case_record::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_record::Column::Kind.is_in(kinds.iter().copied()))
        .filter(case_record::Column::At.gte(from))
        .filter(case_record::Column::At.lt(to))
        .order_by_asc(case_record::Column::At)
        .order_by_asc(case_record::Column::Id)
        .into_model::<IndicatorRecord>()
        .all(tx.conn())
        .await?)
}

/// The record entries of `kinds` of the given cases (their attribute changes), earliest first,
/// read in batches of 500 cases.
#[tracing::instrument(skip_all, fields(count = case_ids.len()))]
pub async fn indicator_records_of(
    tx: &TenantTx,
    case_ids: &[Uuid],
    kinds: &[&str],
) -> Result<Vec<IndicatorRecord>, StoreError> {
    let mut out = Vec::new();
    for batch in case_ids.chunks(500) {
        out.extend(
            case_record::Entity::find()
                .select_only()
                .column(case_record::Column::CaseId)
                .column(case_record::Column::Kind)
                .column(case_record::Column::Key)
                .column(case_record::Column::At)
                .column(case_record::Column::Data)
                .filter(case_record::Column::TenantId.eq(tx.tenant_id().0))
                .filter(case_record::Column::CaseId.is_in(batch.iter().copied()))
                .filter(case_record::Column::Kind.is_in(kinds.iter().copied()))
                .order_by_asc(case_record::Column::At)
                .order_by_asc(case_record::Column::Id)
                .into_model::<IndicatorRecord>()
                .all(tx.conn())
                .await?,
        );
    }
    out.sort_by_key(|r| r.at);
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::parse_instant;
    use chrono::{TimeZone, Timelike, Utc};

    #[test]
    fn instants_read_back_as_both_databases_write_them() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 30, 11, 38, 12)
            .unwrap()
            .with_nanosecond(261_234_000)
            .unwrap();
        for text in [
            // SQLite, as the driver stores an instant.
            "2026-11-30T11:38:12.261234+00:00",
            // RFC 3339 in UTC, as an instant is written out.
            "2026-11-30T11:38:12.261234Z",
            "2026-11-30 11:38:12.261234+00:00",
            "2026-11-30 14:38:12.261234+03:00",
            "2026-11-30 11:38:12.261234",
        ] {
            assert_eq!(parse_instant(text).unwrap(), at, "{text}");
        }
        assert!(parse_instant("вчера").is_err());
    }
}
