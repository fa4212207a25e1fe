//! The open obligations of cases, kept by the tenant runtime in the same transaction as each
//! change to a case and advanced by the deadline worker as time passes. Lists, the board and
//! reminders read them instead of recomputing every case.

use crate::tenant::entities::{case, case_obligation, case_obligation_result};
use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{QueryOrder, QuerySelect};
use std::collections::BTreeMap;

pub use case_obligation::Model as ObligationRow;

/// Statuses of an open obligation.
pub mod status {
    /// Not yet within its reminder window.
    pub const UPCOMING: &str = "upcoming";
    /// Within its reminder window.
    pub const DUE: &str = "due";
    pub const OVERDUE: &str = "overdue";
}

/// An open obligation as the method engine computed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenObligation {
    pub key: String,
    pub kind: String,
    pub subject: String,
    pub from_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub remind_at: DateTime<Utc>,
    pub status: String,
}

/// The stored open obligations of a case, by key.
#[tracing::instrument(skip_all, fields(case = %case_id))]
pub async fn of_case(tx: &TenantTx, case_id: Uuid) -> Result<Vec<ObligationRow>, StoreError> {
    Ok(case_obligation::Entity::find()
        .filter(case_obligation::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_obligation::Column::CaseId.eq(case_id))
        .order_by_asc(case_obligation::Column::Key)
        .all(tx.conn())
        .await?)
}

/// What is stored of some cases' obligations — their open obligations and the results of those
/// that fell due or were met — with the revision of the organisation's calendar they are
/// computed with, read in one statement before they are rewritten.
#[derive(Debug, Clone, Default)]
pub struct Kept {
    pub open: Vec<ObligationRow>,
    pub results: Vec<case_obligation_result::Model>,
    /// The organisation's latest calendar revision (0: it changed no day).
    pub calendar_revision: i32,
}

impl Kept {
    /// The open obligations and results of one case.
    pub fn of_case(
        &self,
        case_id: Uuid,
    ) -> (Vec<ObligationRow>, Vec<case_obligation_result::Model>) {
        (
            self.open
                .iter()
                .filter(|o| o.case_id == case_id)
                .cloned()
                .collect(),
            self.results
                .iter()
                .filter(|r| r.case_id == case_id)
                .cloned()
                .collect(),
        )
    }
}

/// The parts of the statement that reads the obligations keeper's facts
/// ([`crate::tenant::cases::entries_times_and_kept`]) which read what is stored of the cases'
/// obligations: their open obligations, their results and the calendar revision, in its columns
/// (a column a part lacks is NULL), each part with its own placeholders.
pub(crate) fn kept_parts(
    tenant_open: &str,
    cases_open: &str,
    tenant_results: &str,
    cases_results: &str,
    tenant_calendar: &str,
) -> String {
    format!(
        "UNION ALL \
         SELECT 'open', NULL, case_id, kind, key, NULL, NULL, NULL, NULL, NULL, \
                subject, from_at, due_at, remind_at, status, updated_at, NULL, NULL \
           FROM case_obligations WHERE tenant_id = {tenant_open} AND case_id IN ({cases_open}) \
         UNION ALL \
         SELECT 'result', NULL, case_id, kind, key, NULL, NULL, NULL, NULL, NULL, \
                NULL, NULL, due_at, NULL, NULL, NULL, met_at, NULL \
           FROM case_obligation_results \
          WHERE tenant_id = {tenant_results} AND case_id IN ({cases_results}) \
         UNION ALL \
         SELECT 'calendar', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
                NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
                (SELECT revision FROM calendar_changes WHERE tenant_id = {tenant_calendar} \
                  ORDER BY revision DESC LIMIT 1)"
    )
}

/// Adds a row of one of [`kept_parts`]'s parts (`part`) to `kept`.
pub(crate) fn add_kept(
    kept: &mut Kept,
    tenant_id: Uuid,
    part: &str,
    row: &sea_orm::QueryResult,
) -> Result<(), StoreError> {
    match part {
        "open" => kept.open.push(ObligationRow {
            tenant_id,
            case_id: row.try_get("", "case_id")?,
            key: row.try_get("", "key")?,
            kind: row.try_get("", "kind")?,
            subject: row.try_get("", "subject")?,
            from_at: row.try_get("", "from_at")?,
            due_at: row.try_get("", "due_at")?,
            remind_at: row.try_get("", "remind_at")?,
            status: row.try_get("", "status")?,
            updated_at: row.try_get("", "updated_at")?,
        }),
        "result" => kept.results.push(case_obligation_result::Model {
            tenant_id,
            case_id: row.try_get("", "case_id")?,
            key: row.try_get("", "key")?,
            kind: row.try_get("", "kind")?,
            due_at: row.try_get("", "due_at")?,
            met_at: row.try_get("", "met_at")?,
        }),
        "calendar" => {
            kept.calendar_revision = row.try_get::<Option<i32>>("", "revision")?.unwrap_or(0);
        }
        other => {
            return Err(StoreError::Database(DbErr::Custom(format!(
                "a part «{other}» of the facts statement is not known"
            ))));
        }
    }
    Ok(())
}

/// Makes the stored open obligations of a case exactly `open`, writing only what differs, and
/// keeps the case's `next_due_at`. `stored` is what is stored now ([`kept`]).
#[tracing::instrument(skip_all, fields(case = %case_id, count = open.len()))]
pub async fn replace(
    tx: &TenantTx,
    case_id: Uuid,
    stored: Vec<ObligationRow>,
    open: Vec<OpenObligation>,
) -> Result<(), StoreError> {
    let tenant = tx.tenant_id().0;
    let stored: BTreeMap<String, ObligationRow> = stored
        .into_iter()
        .map(|row| (row.key.clone(), row))
        .collect();
    let next_due = open.iter().map(|o| o.due_at).min();
    let stored_next_due = stored.values().map(|o| o.due_at).min();
    let gone: Vec<String> = stored
        .keys()
        .filter(|key| !open.iter().any(|o| &o.key == *key))
        .cloned()
        .collect();
    if !gone.is_empty() {
        case_obligation::Entity::delete_many()
            .filter(case_obligation::Column::TenantId.eq(tenant))
            .filter(case_obligation::Column::CaseId.eq(case_id))
            .filter(case_obligation::Column::Key.is_in(gone))
            .exec(tx.conn())
            .await?;
    }
    let now = Utc::now();
    // New and changed obligations in one statement.
    let written: Vec<case_obligation::ActiveModel> = open
        .into_iter()
        .filter(|o| stored.get(&o.key).is_none_or(|row| !same(row, o)))
        .map(|o| case_obligation::ActiveModel {
            tenant_id: Set(tenant),
            case_id: Set(case_id),
            key: Set(o.key),
            kind: Set(o.kind),
            subject: Set(o.subject),
            from_at: Set(o.from_at),
            due_at: Set(o.due_at),
            remind_at: Set(o.remind_at),
            status: Set(o.status),
            updated_at: Set(now),
        })
        .collect();
    if !written.is_empty() {
        use case_obligation::Column as C;
        case_obligation::Entity::insert_many(written)
            .on_conflict(
                OnConflict::columns([C::TenantId, C::CaseId, C::Key])
                    .update_columns([
                        C::Kind,
                        C::Subject,
                        C::FromAt,
                        C::DueAt,
                        C::RemindAt,
                        C::Status,
                        C::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(tx.conn())
            .await?;
    }
    if next_due != stored_next_due {
        case::Entity::update_many()
            .col_expr(case::Column::NextDueAt, Expr::value(next_due))
            .filter(case::Column::TenantId.eq(tenant))
            .filter(case::Column::Id.eq(case_id))
            .exec(tx.conn())
            .await?;
    }
    Ok(())
}

fn same(row: &ObligationRow, o: &OpenObligation) -> bool {
    row.kind == o.kind
        && row.subject == o.subject
        && row.from_at == o.from_at
        && row.due_at == o.due_at
        && row.remind_at == o.remind_at
        && row.status == o.status
}

/// One change of status the worker made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advanced {
    pub obligation: ObligationRow,
    /// The status it had before.
    pub from: String,
}

/// Moves open obligations on as time passes: into `due` when their reminder window opens, into
/// `overdue` when their due instant passes. At most `limit` obligations per call, earliest first;
/// returns what changed (with the new status), so the caller can remind about each once.
#[tracing::instrument(skip_all, fields(limit))]
pub async fn advance(
    tx: &TenantTx,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Advanced>, StoreError> {
    let tenant = tx.tenant_id().0;
    let mut changed = Vec::new();
    let falling_overdue = case_obligation::Entity::find()
        .filter(case_obligation::Column::TenantId.eq(tenant))
        .filter(case_obligation::Column::Status.is_in([status::UPCOMING, status::DUE]))
        .filter(case_obligation::Column::DueAt.lt(now))
        .order_by_asc(case_obligation::Column::DueAt)
        .limit(limit)
        .all(tx.conn())
        .await?;
    for row in falling_overdue {
        changed.push(set_status(tx, row, status::OVERDUE).await?);
    }
    let left = limit.saturating_sub(changed.len() as u64);
    if left > 0 {
        let falling_due = case_obligation::Entity::find()
            .filter(case_obligation::Column::TenantId.eq(tenant))
            .filter(case_obligation::Column::Status.eq(status::UPCOMING))
            .filter(case_obligation::Column::RemindAt.lte(now))
            .filter(case_obligation::Column::DueAt.gte(now))
            .order_by_asc(case_obligation::Column::RemindAt)
            .limit(left)
            .all(tx.conn())
            .await?;
        for row in falling_due {
            changed.push(set_status(tx, row, status::DUE).await?);
        }
    }
    Ok(changed)
}

async fn set_status(tx: &TenantTx, row: ObligationRow, to: &str) -> Result<Advanced, StoreError> {
    case_obligation::Entity::update_many()
        .col_expr(case_obligation::Column::Status, Expr::value(to))
        .col_expr(case_obligation::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(case_obligation::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_obligation::Column::CaseId.eq(row.case_id))
        .filter(case_obligation::Column::Key.eq(row.key.clone()))
        .exec(tx.conn())
        .await?;
    let from = row.status.clone();
    let mut obligation = row;
    obligation.status = to.to_owned();
    Ok(Advanced { obligation, from })
}

/// Open obligations that are overdue at `now` (by their due instant, whatever their stored
/// status), earliest first, at most `limit`, behind (`due_at`, `case_id`, `key`) `after`.
#[tracing::instrument(skip_all, fields(limit))]
pub async fn overdue(
    tx: &TenantTx,
    now: DateTime<Utc>,
    after: Option<(DateTime<Utc>, Uuid, String)>,
    limit: u64,
) -> Result<Vec<ObligationRow>, StoreError> {
    let mut query = case_obligation::Entity::find()
        .filter(case_obligation::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_obligation::Column::DueAt.lt(now));
    if let Some((due, case_id, key)) = after {
        query = query.filter(
            sea_orm::Condition::any()
                .add(case_obligation::Column::DueAt.gt(due))
                .add(
                    sea_orm::Condition::all()
                        .add(case_obligation::Column::DueAt.eq(due))
                        .add(case_obligation::Column::CaseId.gt(case_id)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(case_obligation::Column::DueAt.eq(due))
                        .add(case_obligation::Column::CaseId.eq(case_id))
                        .add(case_obligation::Column::Key.gt(key)),
                ),
        );
    }
    Ok(query
        .order_by_asc(case_obligation::Column::DueAt)
        .order_by_asc(case_obligation::Column::CaseId)
        .order_by_asc(case_obligation::Column::Key)
        .limit(limit)
        .all(tx.conn())
        .await?)
}

/// The open obligations of the given cases (a page of a list, a person's cases), earliest first.
#[tracing::instrument(skip_all, fields(count = case_ids.len()))]
pub async fn of_cases(tx: &TenantTx, case_ids: &[Uuid]) -> Result<Vec<ObligationRow>, StoreError> {
    Ok(case_obligation::Entity::find()
        .filter(case_obligation::Column::TenantId.eq(tx.tenant_id().0))
        .filter(case_obligation::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(case_obligation::Column::DueAt)
        .all(tx.conn())
        .await?)
}

/// A step deadline or recurring obligation that fell due or was met, as the engine computed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObligationResult {
    pub key: String,
    pub kind: String,
    pub due_at: DateTime<Utc>,
    /// `None`: it fell due and was not met.
    pub met_at: Option<DateTime<Utc>>,
}

/// Makes the stored results of a case's obligations exactly `results`, writing only what
/// differs. `stored` is what is stored now ([`kept`]).
#[tracing::instrument(skip_all, fields(case = %case_id, count = results.len()))]
pub async fn replace_results(
    tx: &TenantTx,
    case_id: Uuid,
    stored: Vec<case_obligation_result::Model>,
    results: Vec<ObligationResult>,
) -> Result<(), StoreError> {
    let tenant = tx.tenant_id().0;
    let stored: BTreeMap<String, case_obligation_result::Model> = stored
        .into_iter()
        .map(|row| (row.key.clone(), row))
        .collect();
    let gone: Vec<String> = stored
        .keys()
        .filter(|key| !results.iter().any(|r| &r.key == *key))
        .cloned()
        .collect();
    if !gone.is_empty() {
        case_obligation_result::Entity::delete_many()
            .filter(case_obligation_result::Column::TenantId.eq(tenant))
            .filter(case_obligation_result::Column::CaseId.eq(case_id))
            .filter(case_obligation_result::Column::Key.is_in(gone))
            .exec(tx.conn())
            .await?;
    }
    // New and changed results in one statement.
    let written: Vec<case_obligation_result::ActiveModel> = results
        .into_iter()
        .filter(|r| {
            stored.get(&r.key).is_none_or(|row| {
                row.kind != r.kind || row.due_at != r.due_at || row.met_at != r.met_at
            })
        })
        .map(|r| case_obligation_result::ActiveModel {
            tenant_id: Set(tenant),
            case_id: Set(case_id),
            key: Set(r.key),
            kind: Set(r.kind),
            due_at: Set(r.due_at),
            met_at: Set(r.met_at),
        })
        .collect();
    if !written.is_empty() {
        use case_obligation_result::Column as C;
        case_obligation_result::Entity::insert_many(written)
            .on_conflict(
                OnConflict::columns([C::TenantId, C::CaseId, C::Key])
                    .update_columns([C::Kind, C::DueAt, C::MetAt])
                    .to_owned(),
            )
            .exec_without_returning(tx.conn())
            .await?;
    }
    Ok(())
}

/// A step deadline or recurring obligation due in a period, and when it was met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueObligation {
    pub case_id: Uuid,
    pub key: String,
    pub due_at: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
}

/// The organisation's step deadlines and recurring obligations due in `[from, to)` that have
/// fallen due by `now` or been met: the stored results, and the open obligations that have
/// passed their due instant since their case last changed (not met).
#[tracing::instrument(skip_all)]
pub async fn due_between(
    tx: &TenantTx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<DueObligation>, StoreError> {
    let tenant = tx.tenant_id().0;
    let kinds = ["deadline", "recurring"];
    let mut due: BTreeMap<(Uuid, String), DueObligation> = case_obligation_result::Entity::find()
        .filter(case_obligation_result::Column::TenantId.eq(tenant))
        .filter(case_obligation_result::Column::Kind.is_in(kinds))
        .filter(case_obligation_result::Column::DueAt.gte(from))
        .filter(case_obligation_result::Column::DueAt.lt(to))
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|r| {
            (
                (r.case_id, r.key.clone()),
                DueObligation {
                    case_id: r.case_id,
                    key: r.key,
                    due_at: r.due_at,
                    met_at: r.met_at,
                },
            )
        })
        .collect();
    let open = case_obligation::Entity::find()
        .filter(case_obligation::Column::TenantId.eq(tenant))
        .filter(case_obligation::Column::Kind.is_in(kinds))
        .filter(case_obligation::Column::DueAt.gte(from))
        .filter(case_obligation::Column::DueAt.lt(to.min(now)))
        .all(tx.conn())
        .await?;
    for o in open {
        due.entry((o.case_id, o.key.clone()))
            .or_insert(DueObligation {
                case_id: o.case_id,
                key: o.key,
                due_at: o.due_at,
                met_at: None,
            });
    }
    Ok(due.into_values().collect())
}
