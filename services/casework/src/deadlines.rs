//! Obligations of a case (сроки и обязательства) with their status, from the method engine, and
//! whether a case is overdue. Lists and the board read the stored obligations instead
//! (see [`crate::obligations`]).

use crate::case_file::{CaseFile, status};
use crate::steps::opening_stage;
use chrono::{DateTime, Utc};
use kurator_method::Variant;
use kurator_method::calendar::Calendar;
use kurator_method::obligations::{self, Evaluation, Obligation, ObligationKind, Status};

/// Evaluates a case's obligations at `now`. Before the case opens only the deadlines of intake
/// steps apply; once it is closed (and not in post-support) nothing is owed any more.
pub fn evaluate(
    variant: &Variant,
    calendar: &Calendar,
    file: &CaseFile,
    now: DateTime<Utc>,
) -> Evaluation {
    evaluate_and_fallen_due(variant, calendar, file, now).0
}

/// The step deadlines and recurring obligations of a case that have fallen due by `now` or been
/// met — the ones «deadlines met on time» counts. A deadline missed before the case closed stays
/// missed; one the closure ended before it fell due is not owed (the engine drops it).
pub fn fallen_due(
    variant: &Variant,
    calendar: &Calendar,
    file: &CaseFile,
    now: DateTime<Utc>,
) -> Vec<Obligation> {
    evaluate_and_fallen_due(variant, calendar, file, now).1
}

/// [`evaluate`] and [`fallen_due`] from one run of the engine: the obligations kept with a case
/// need both at every change.
pub fn evaluate_and_fallen_due(
    variant: &Variant,
    calendar: &Calendar,
    file: &CaseFile,
    now: DateTime<Utc>,
) -> (Evaluation, Vec<Obligation>) {
    let mut evaluation = owed(variant, calendar, file, now);
    let fallen = evaluation
        .obligations
        .iter()
        .filter(|o| {
            matches!(
                o.kind,
                ObligationKind::Deadline { .. } | ObligationKind::Recurring { .. }
            )
        })
        .filter(|o| o.met_at.is_some() || o.due <= now)
        .cloned()
        .collect();
    if file.case.status == status::CLOSED || file.case.status == status::DECLINED {
        evaluation.obligations.retain(|o| !o.status.is_open());
    }
    (evaluation, fallen)
}

/// What the case owes at `now`, met or not: before the case opens only the deadlines of intake
/// steps apply.
fn owed(variant: &Variant, calendar: &Calendar, file: &CaseFile, now: DateTime<Utc>) -> Evaluation {
    let mut evaluation = obligations::evaluate(variant, &file.facts(), now, calendar);
    if file.case.status == status::INTAKE {
        let opening = opening_stage(variant)
            .and_then(|s| variant.stage_index(s))
            .unwrap_or(0);
        evaluation.obligations.retain(|o| match &o.kind {
            ObligationKind::Deadline { step } => variant
                .step(step)
                .and_then(|(stage, _)| variant.stage_index(&stage.key))
                .is_some_and(|index| index < opening),
            _ => false,
        });
    }
    evaluation
}

pub fn is_overdue(evaluation: &Evaluation) -> bool {
    evaluation
        .obligations
        .iter()
        .any(|o| o.status == Status::Overdue)
}
