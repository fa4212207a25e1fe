//! A decision that ends the work on a request before a case opens (the variant's `ends_case`):
//! the clinic's primary assessment finding the concern not confirmed (seed 004 §7, 2-этап: «а)
//! информация не подтвердилась, сопровождение семьи не осуществляется»; «Обращения за помощью,
//! которые не подтвердились, будут регистрироваться … в журнале «Неподтвержденные обращения за
//! помощью»»). The case is declined — no file, no support — and its request becomes an entry of
//! the variant's journal, the same one `decideSignal(NOT_CONFIRMED)` writes to.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::case_file::{kind, status};
use crate::error::{CaseworkError, CaseworkResult, Language, Problem};
use crate::steps::StepInput;
use kurator_method::Variant;
use kurator_method::decisions::{self, DecisionStatus};
use kurator_method::problem;
use kurator_method::schema::ClassificationPurpose;
use kurator_method::vocabulary::JournalKind;
use kurator_store::TenantTx;
use kurator_store::tenant::cases::{self, CaseRow, NewRecord};
use kurator_store::tenant::signals::{self, NewSignal};
use serde_json::json;
use uuid::Uuid;

/// What ends the case: the decision, its outcome, the journal and the request status it maps to.
#[derive(Debug, Clone)]
pub struct Ending {
    pub decision: String,
    pub outcome: String,
    pub journal: String,
    pub status: &'static str,
}

/// The ending a decision of `input` brings about, if any; problems if it cannot end this case.
pub fn check(
    variant: &Variant,
    case: &CaseRow,
    input: &StepInput,
) -> Result<Option<Ending>, Vec<Problem>> {
    let mut ending = None;
    for (key, record) in &input.decisions {
        let Some(def) = variant.decision(key) else {
            continue;
        };
        let DecisionStatus::Decided { outcome, .. } = decisions::evaluate(def, record) else {
            continue;
        };
        let Some(end) = def.ends_case.iter().find(|e| e.outcome == outcome) else {
            continue;
        };
        let status = variant
            .doc()
            .journals
            .iter()
            .find(|j| j.key == end.journal)
            .and_then(|j| j.canonical.as_deref())
            .and_then(JournalKind::parse)
            .and_then(JournalKind::signal_status)
            .ok_or_else(|| {
                let journal = &end.journal;
                vec![problem!(
                    at = format!("decisions.{key}"),
                    "journal_not_for_requests",
                    "decisions.{key}: журнал «{journal}» не ведётся по обращениям",
                    "decisions.{key}: journal “{journal}” is not kept for requests"
                )]
            })?;
        let (name_ru, name_en) = (&def.name.ru, def.name.in_language(Language::En));
        let mut problems = Vec::new();
        if case.status != status::INTAKE {
            problems.push(problem!(
                at = format!("decisions.{key}"),
                "ends_request_after_opening",
                "decisions.{key}: итог «{outcome}» решения «{name_ru}» завершает работу по обращению до открытия случая, а случай уже открыт",
                "decisions.{key}: outcome “{outcome}” of decision “{name_en}” ends work on a request before a case is opened, but the case is already open"
            ));
        }
        if input.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            problems.push(problem!(
                at = "note",
                "reasons_missing",
                "note: итог «{outcome}» решения «{name_ru}» завершает работу по обращению — укажите причины",
                "note: outcome “{outcome}” of decision “{name_en}” ends work on the request — give the reasons"
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        ending = Some(Ending {
            decision: key.clone(),
            outcome,
            journal: end.journal.clone(),
            status,
        });
    }
    Ok(ending)
}

/// The canonical risk band of a case from its risk classification, for a journal entry.
fn risk_band(variant: &Variant, case: &CaseRow) -> Option<String> {
    variant
        .doc()
        .classifications
        .iter()
        .filter(|c| c.purpose == ClassificationPurpose::Risk)
        .find_map(|c| {
            let value = case.attributes.get(&c.key)?.as_str()?;
            c.values.iter().find(|v| v.key == value)?.canonical.clone()
        })
}

/// Ends `case` (declined, with the reasons) and enters its request in the journal: the request
/// it came from changes its status; a case opened without a request gets its entry.
pub async fn apply(
    tx: &TenantTx,
    variant: &Variant,
    actor: &Actor,
    case: &mut CaseRow,
    ending: &Ending,
    input: &StepInput,
) -> CaseworkResult<()> {
    let reasons = input.note.clone().unwrap_or_default();
    let entry = json!({
        "kind": ending.status,
        "reasons": reasons,
        "decided_by": actor.user,
        "decided_at": input.at,
        "case": case.id,
        "decision": ending.decision,
        "outcome": ending.outcome,
        "journal": ending.journal,
    });
    let before = match case.signal_id {
        Some(id) => signals::get(tx, id).await?,
        None => {
            signals::insert(
                tx,
                NewSignal {
                    id: Uuid::now_v7(),
                    received_at: case.opened_at,
                    source: "case".into(),
                    channel: "case".into(),
                    requester: json!({}),
                    subject: case.family.clone(),
                    parents: json!({}),
                    grounds: reasons.clone(),
                    follow_up: String::new(),
                    taken_by: actor.user,
                    triage: None,
                    form: None,
                    risk_band: risk_band(variant, case),
                },
            )
            .await?
        }
    };
    let mut decision = entry.clone();
    if let Some(previous) = &before.decision {
        decision["previous"] = previous.clone();
    }
    let after = signals::decide(
        tx,
        before.id,
        before.version,
        ending.status,
        decision,
        Some(case.id),
    )
    .await?;
    audit::record(
        tx,
        actor,
        Audit::changed("signal.journal", "signal", after.id, &before, &after),
    )
    .await?;
    cases::append_record(
        tx,
        NewRecord::new(
            case.id,
            kind::CLOSURE,
            ending.outcome.clone(),
            input.at,
            actor.user,
        )
        .with(json!({
            "decision": ending.decision,
            "journal": ending.journal,
            "reasons": reasons,
            "signal": after.id,
        })),
    )
    .await?;
    case.status = status::DECLINED.into();
    case.closed_at = Some(input.at);
    case.outcome = Some(json!({ ending.outcome.clone(): entry }));
    // The same end as `declineCase` through the variant's refusal move for this outcome: the
    // case stands in the refusal's stage.
    if let Some(refusal) = refusal_for(variant, &case.stage, ending) {
        cases::append_record(
            tx,
            NewRecord::new(case.id, kind::STAGE, refusal.clone(), input.at, actor.user)
                .with(json!({ "from": case.stage, "refusal": true })),
        )
        .await?;
        case.stage = refusal;
        case.stage_entered_at = input.at;
    }
    Ok(())
}

/// The stage of the variant's refusal move from `stage` that needs this ending's outcome.
fn refusal_for(variant: &Variant, stage: &str, ending: &Ending) -> Option<String> {
    variant
        .doc()
        .transitions
        .iter()
        .find(|t| {
            t.kind == kurator_method::schema::TransitionKind::Refusal
                && t.from == stage
                && t.requires_decision.as_ref().is_some_and(|r| {
                    r.decision == ending.decision
                        && r.outcome.as_ref().is_none_or(|o| *o == ending.outcome)
                })
        })
        .map(|t| t.to.clone())
}

/// The ending a refusal move brings about when the decision it needs ends the work on the
/// request into a journal (clinic: «not confirmed» → the unconfirmed journal).
pub fn for_refusal(variant: &Variant, decision: &str, outcome: &str) -> Option<Ending> {
    let def = variant.decision(decision)?;
    let end = def.ends_case.iter().find(|e| e.outcome == outcome)?;
    let status = variant
        .doc()
        .journals
        .iter()
        .find(|j| j.key == end.journal)
        .and_then(|j| j.canonical.as_deref())
        .and_then(JournalKind::parse)
        .and_then(JournalKind::signal_status)?;
    Some(Ending {
        decision: decision.to_owned(),
        outcome: outcome.to_owned(),
        journal: end.journal.clone(),
        status,
    })
}

/// A move between stages cannot carry a decision that ends the case: it is a step's outcome.
pub fn forbid_in_transition(
    variant: &Variant,
    case: &CaseRow,
    input: &StepInput,
) -> CaseworkResult<()> {
    match check(variant, case, input).map_err(CaseworkError::Rejected)? {
        Some(ending) => {
            let (key, outcome) = (&ending.decision, &ending.outcome);
            Err(CaseworkError::rejected(problem!(
                at = format!("decisions.{key}"),
                "ending_in_transition",
                "decisions.{key}: итог «{outcome}» завершает работу по обращению — запишите его шагом, а не переходом между этапами",
                "decisions.{key}: outcome “{outcome}” ends work on the request — record it with a step, not a move between stages"
            )))
        }
        None => Ok(()),
    }
}
