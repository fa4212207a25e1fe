//! Obligations of a case (сроки и обязательства) with their status, from the method engine, and
//! whether a case is overdue. Lists and the board read the stored obligations instead
//! (see [`crate::obligations`]).

use crate::case_file::{CaseFile, status};
use crate::steps::opening_stage;
use chrono::{DateTime, Utc};
use kurator_method::Variant;
use kurator_method::calendar::Calendar;
use kurator_method::obligations::{self, Evaluation, ObligationKind, Status};

/// Evaluates a case's obligations at `now`. Before the case opens only the deadlines of intake
/// steps apply; once it is closed (and not in post-support) nothing is owed any more.
pub fn evaluate(
    variant: &Variant,
    calendar: &Calendar,
    file: &CaseFile,
    now: DateTime<Utc>,
) -> Evaluation {
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
    if file.case.status == status::CLOSED || file.case.status == status::DECLINED {
        evaluation.obligations.retain(|o| !o.status.is_open());
    }
    evaluation
}

pub fn is_overdue(evaluation: &Evaluation) -> bool {
    evaluation
        .obligations
        .iter()
        .any(|o| o.status == Status::Overdue)
}
