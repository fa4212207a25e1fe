//! Stored obligations: every change to a case rewrites the case's open obligations in the same
//! transaction (see [`kurator_store::BeforeCommit`]), so lists, the board and the deadline worker
//! read them instead of recomputing every case; the worker advances their status as time passes.

use crate::case_file::CaseFile;
use crate::deadlines;
use chrono::{DateTime, Utc};
use kurator_method::Variant;
use kurator_method::calendar::Calendar;
use kurator_method::obligations::{self, Evaluation, ObligationKind, Status};
use kurator_store::tenant::cases;
use kurator_store::tenant::obligations::{
    Kept, ObligationResult, OpenObligation, replace, replace_results, status,
};
use kurator_store::{BeforeCommit, StoreError, TenantTx};
use std::sync::Arc;
use uuid::Uuid;

/// What the tenant runtime gives every transaction so that a changed case's obligations are
/// rewritten before it commits.
pub struct Keeper {
    pub(crate) variants: Arc<crate::published::Published>,
    /// Read at every use, never cloned at start: a change of the organisation's calendar (on
    /// this replica or another) applies to the next case written.
    pub(crate) calendar: Arc<crate::calendar::OrganisationCalendar>,
}

impl Keeper {
    /// The version a case is pinned to; one published by another replica is read in `tx`.
    async fn variant(&self, tx: &TenantTx, version: i32) -> Result<&Arc<Variant>, StoreError> {
        let number = u32::try_from(version).unwrap_or(u32::MAX);
        if self.variants.get(number).is_none() {
            self.variants.reload(tx).await?;
        }
        self.variants.get(number).ok_or_else(|| {
            StoreError::Database(sea_orm::DbErr::Custom(format!(
                "variant version {version} is not published"
            )))
        })
    }

    /// Rewrites the stored open obligations of `file`, and the results of those that fell due or
    /// were met, as the engine computes them at `now` with `calendar`; `kept` is what is stored
    /// of them now.
    pub(crate) async fn keep(
        &self,
        tx: &TenantTx,
        calendar: &Calendar,
        file: &CaseFile,
        kept: &Kept,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let variant = self.variant(tx, file.case.variant_version).await?;
        let (evaluation, fallen_due) =
            deadlines::evaluate_and_fallen_due(variant, calendar, file, now);
        let (open, results) = kept.of_case(file.case.id);
        replace(
            tx,
            file.case.id,
            open,
            open_obligations(variant, &evaluation),
        )
        .await?;
        replace_results(tx, file.case.id, results, fallen_due_results(fallen_due)).await
    }
}

#[async_trait::async_trait]
impl BeforeCommit for Keeper {
    async fn before_commit(&self, tx: &TenantTx, touched: &[Uuid]) -> Result<(), StoreError> {
        let mut rows: Vec<cases::CaseRow> = touched
            .iter()
            .filter_map(|id| tx.unchanged_row(*id))
            .collect();
        let unread: Vec<Uuid> = touched
            .iter()
            .filter(|id| !rows.iter().any(|r| r.id == **id))
            .copied()
            .collect();
        if !unread.is_empty() {
            rows.extend(cases::get_many(tx, &unread).await?);
        }
        // Plan actions count only where a recurring obligation is met by them (fund, seed 002).
        let mut with_actions = Vec::new();
        for row in &rows {
            if met_by_plan_actions(self.variant(tx, row.variant_version).await?) {
                with_actions.push(row.id);
            }
        }
        // Their facts, and what is stored of their obligations with the revision of the
        // organisation's calendar as this transaction sees it (the calendar is reloaded when
        // another replica changed it — see `crate::calendar`): one statement.
        let (files, kept) = crate::cases::load_facts_and_kept(tx, rows, &with_actions).await?;
        let calendar = self
            .calendar
            .at_revision(tx, kept.calendar_revision)
            .await?;
        let now = Utc::now();
        for file in &files {
            self.keep(tx, &calendar, file, &kept, now).await?;
        }
        Ok(())
    }
}

/// Whether some recurring obligation of `variant` is met by completed plan actions: the only
/// use the engine makes of them.
fn met_by_plan_actions(variant: &Variant) -> bool {
    variant
        .doc()
        .recurring
        .iter()
        .any(|r| r.satisfied_by.plan_actions)
}

/// The obligations that fell due or were met ([`deadlines::evaluate_and_fallen_due`]), as their
/// results are stored.
pub fn fallen_due_results(fallen_due: Vec<obligations::Obligation>) -> Vec<ObligationResult> {
    fallen_due
        .into_iter()
        .map(|o| ObligationResult {
            key: o.kind.to_string(),
            kind: match o.kind {
                ObligationKind::Recurring { .. } => "recurring",
                _ => "deadline",
            }
            .to_owned(),
            due_at: o.due,
            met_at: o.met_at,
        })
        .collect()
}

/// The open obligations of an evaluation, as they are stored.
pub fn open_obligations(variant: &Variant, evaluation: &Evaluation) -> Vec<OpenObligation> {
    let window = obligations::reminder_window(variant);
    evaluation
        .open()
        .map(|o| {
            let (kind, subject) = match &o.kind {
                ObligationKind::Deadline { step } => ("deadline", step.clone()),
                ObligationKind::Recurring { key, .. } => ("recurring", key.clone()),
                ObligationKind::StageLimit { stage, .. } => ("stage_limit", stage.clone()),
                ObligationKind::CaseDuration => ("case_duration", String::new()),
            };
            OpenObligation {
                key: o.kind.to_string(),
                kind: kind.to_owned(),
                subject,
                from_at: o.from,
                due_at: o.due,
                remind_at: o.due - window,
                status: status_name(o.status).to_owned(),
            }
        })
        .collect()
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Overdue => status::OVERDUE,
        Status::Due => status::DUE,
        _ => status::UPCOMING,
    }
}

/// Writes the stored obligations of every active case that has none yet — cases written before
/// obligations were kept, or under a variant whose obligations changed — in batches of 200, each
/// its own transaction. Returns how many cases it looked at.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn catch_up(runtime: &crate::TenantRuntime) -> crate::CaseworkResult<usize> {
    let mut after: Option<Uuid> = None;
    let mut seen = 0;
    loop {
        let tx = runtime.begin().await?;
        let batch = cases::without_obligations(&tx, after, 200).await?;
        if batch.is_empty() {
            tx.commit().await?;
            return Ok(seen);
        }
        seen += batch.len();
        after = batch.last().map(|c| c.id);
        for id in batch.iter().map(|c| c.id) {
            tx.touch(id);
        }
        tx.commit().await?;
    }
}
