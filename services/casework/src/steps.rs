//! Steps and transitions (шаги и переходы): doing what the variant allows next, with the
//! artefacts, consents and decisions it requires. A step the variant does not allow, or one with a
//! missing requirement, is refused with every reason and writes nothing.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::case_file::{kind, status};
use crate::cases::{get_in_scope_for_update, load_files};
use crate::error::{CaseworkError, CaseworkResult};
use crate::forms;
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use kurator_method::Variant;
use kurator_method::decisions::{self, DecisionRecord, DecisionStatus};
use kurator_method::transitions::{self, Provided, StepRejection};
use kurator_store::TenantTx;
use kurator_store::tenant::cases::{self, CaseRow, NewRecord};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What the person brings with a step or transition.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// The variant role the person acts in (e.g. `senior_curator`, `case_manager`).
    pub acting_as: String,
    /// Artefact key → form content (checked against the variant's sections and fields).
    pub artefacts: BTreeMap<String, Value>,
    pub consents: Vec<String>,
    /// Decision key → what was recorded (votes, rulings, conference participants and decision).
    pub decisions: BTreeMap<String, DecisionRecord>,
    /// Norms (guidelines) the person acknowledges with this action, e.g. `case_duration` when the
    /// fund's senior curator lets a case close before its 3-month minimum.
    pub acknowledged: Vec<String>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

fn rejections(list: Vec<StepRejection>) -> CaseworkError {
    CaseworkError::Rejected(list.iter().map(StepRejection::message).collect())
}

/// Checks forms and evaluates decision procedures; returns what the engine should see as provided
/// and the decisions to record.
pub(crate) fn prepare(
    variant: &Variant,
    input: &StepInput,
) -> CaseworkResult<(Provided, Vec<(String, Value)>)> {
    let mut problems = Vec::new();
    let mut provided = Provided::default();
    for norm in &input.acknowledged {
        if norm != transitions::CASE_DURATION_NORM {
            problems.push(format!(
                "acknowledged: «{norm}» — неизвестный норматив; ожидается {}",
                transitions::CASE_DURATION_NORM
            ));
        }
        provided.acknowledged.insert(norm.clone());
    }
    for (key, data) in &input.artefacts {
        problems.extend(forms::check(variant, key, data));
        provided.artefacts.insert(key.clone());
    }
    for consent in &input.consents {
        provided.consents.insert(consent.clone());
    }
    if input
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > forms::MAX_FIELD_LEN)
    {
        problems.push(format!("note: не более {} символов", forms::MAX_FIELD_LEN));
    }
    let mut recorded = Vec::new();
    for (key, record) in &input.decisions {
        let Some(def) = variant.decision(key) else {
            problems.push(format!(
                "decisions.{key}: такой процедуры решения нет в варианте"
            ));
            continue;
        };
        let status = decisions::evaluate(def, record);
        let outcome = match &status {
            DecisionStatus::Decided { outcome, .. } => {
                provided = provided.decision(key, outcome);
                Some(outcome.clone())
            }
            DecisionStatus::Invalid { reasons } => {
                problems.extend(reasons.iter().map(|r| format!("decisions.{key}: {r}")));
                None
            }
            _ => None,
        };
        recorded.push((
            key.clone(),
            json!({ "outcome": outcome, "status": status, "record": record }),
        ));
    }
    if problems.is_empty() {
        Ok((provided, recorded))
    } else {
        Err(CaseworkError::Rejected(problems))
    }
}

/// Who may act, and who the decisions name: the caller must hold the role they act in, and every
/// vote, ruling and participant must be a member holding the role recorded for them. Runs before
/// the method's own checks; refuses with every problem.
pub(crate) async fn check_people(
    tx: &TenantTx,
    actor: &Actor,
    variant: &Variant,
    input: &StepInput,
) -> CaseworkResult<()> {
    crate::staff::require_acting_as(tx, actor, variant, &input.acting_as).await?;
    let problems = crate::staff::check_people(tx, variant, &input.decisions).await?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CaseworkError::Rejected(problems))
    }
}

pub(crate) async fn write_inputs(
    tx: &TenantTx,
    actor: &Actor,
    case_id: Uuid,
    input: &StepInput,
    decisions: Vec<(String, Value)>,
) -> CaseworkResult<()> {
    for (key, data) in &input.artefacts {
        let record = NewRecord::new(case_id, kind::ARTEFACT, key.clone(), input.at, actor.user)
            .with(data.clone());
        cases::append_record(tx, record).await?;
    }
    for consent in &input.consents {
        let record = NewRecord::new(
            case_id,
            kind::CONSENT,
            consent.clone(),
            input.at,
            actor.user,
        );
        cases::append_record(tx, record).await?;
    }
    for (key, data) in decisions {
        let record = NewRecord {
            case_id,
            kind: kind::DECISION,
            key,
            at: input.at,
            data,
            actor: Some(actor.user),
        };
        cases::append_record(tx, record).await?;
    }
    for norm in &input.acknowledged {
        let record = NewRecord::new(
            case_id,
            kind::ACKNOWLEDGEMENT,
            norm.clone(),
            input.at,
            actor.user,
        )
        .with(json!({ "acting_as": input.acting_as }));
        cases::append_record(tx, record).await?;
    }
    Ok(())
}

fn require_active(case: &CaseRow) -> CaseworkResult<()> {
    if case.status == status::CLOSED || case.status == status::DECLINED {
        return Err(CaseworkError::rejected(
            "случай закрыт: сначала его нужно открыть заново",
        ));
    }
    Ok(())
}

/// Performs a step of the current stage.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id, step))]
pub async fn perform(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    step: &str,
    input: StepInput,
) -> CaseworkResult<CaseRow> {
    let tx = runtime.begin().await?;
    let case = get_in_scope_for_update(&tx, actor, case_id).await?;
    if case.version != expected_version {
        return Err(CaseworkError::Stale {
            current: case.version,
        });
    }
    require_active(&case)?;
    let variant = runtime.variant(case.variant_version)?.clone();
    check_people(&tx, actor, &variant, &input).await?;
    let (provided, decisions) = prepare(&variant, &input)?;
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let state = file.state(&variant);
    let outcome = transitions::check_step(&variant, &state, step, &input.acting_as, &provided)
        .map_err(rejections)?;
    let scheduled =
        crate::schedules::check(&variant, runtime.calendar(), &state.attributes, &input)
            .map_err(CaseworkError::Rejected)?;
    let ending =
        crate::request_end::check(&variant, &case, &input).map_err(CaseworkError::Rejected)?;

    produced_forms(
        &variant,
        &state,
        step,
        &outcome.produces,
        &input,
        !file.revisions.is_empty(),
    )?;
    write_inputs(&tx, actor, case_id, &input, decisions).await?;
    crate::schedules::write(&tx, case_id, actor.user, input.at, &scheduled).await?;
    let minutes = crate::minutes::to_send(&variant, &input);
    crate::minutes::write(&tx, case_id, actor.user, input.at, minutes).await?;
    let data = json!({ "acting_as": input.acting_as, "note": input.note, "produces": outcome.produces, "journal": outcome.journal });
    cases::append_record(
        &tx,
        NewRecord {
            case_id,
            kind: kind::STEP,
            key: step.to_owned(),
            at: input.at,
            data,
            actor: Some(actor.user),
        },
    )
    .await?;
    for artefact in &outcome.produces {
        if !input.artefacts.contains_key(artefact) {
            let record = NewRecord::new(
                case_id,
                kind::ARTEFACT,
                artefact.clone(),
                input.at,
                actor.user,
            )
            .with(json!({ "produced_by": step }));
            cases::append_record(&tx, record).await?;
        }
    }
    if let Some(event) = &outcome.records_event {
        let record = NewRecord::new(case_id, kind::EVENT, event.clone(), input.at, actor.user)
            .with(json!({ "step": step }));
        cases::append_record(&tx, record).await?;
    }
    // Every step changes the case: its version moves, so a concurrent edit based on the old
    // state is refused.
    let mut changed = case.clone();
    if let Some(ending) = &ending {
        crate::request_end::apply(&tx, &variant, actor, &mut changed, ending, &input).await?;
    }
    let after = cases::update(&tx, changed, expected_version).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed(
            "case.perform_step",
            "case",
            case_id,
            &json!({ "version": case.version, "step": step }),
            &after,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// What a step that produces documents must bring: a structured form is filled in with its
/// required sections (checked in [`prepare`]), and the plan is a recorded plan revision
/// (`revisePlan`) — no step stands in for either.
fn produced_forms(
    variant: &Variant,
    state: &transitions::CaseState,
    step: &str,
    produces: &[String],
    input: &StepInput,
    has_plan: bool,
) -> CaseworkResult<()> {
    let plans: Vec<&str> = variant.plan_artefacts().collect();
    let step_name = variant
        .step(step)
        .map_or_else(|| step.to_owned(), |(_, s)| s.name.ru.clone());
    let mut problems = Vec::new();
    for key in produces {
        let Some(artefact) = variant.artefact(key) else {
            continue;
        };
        if plans.contains(&key.as_str()) {
            if !has_plan {
                problems.push(format!(
                    "шаг «{step_name}» составляет «{}»: сначала запишите план с его действиями (revisePlan)",
                    artefact.name.ru
                ));
            }
            continue;
        }
        let has_required = artefact
            .sections
            .iter()
            .any(|s| s.fields.iter().any(|f| f.required));
        if has_required && !input.artefacts.contains_key(key) && !state.artefacts.contains(key) {
            problems.push(format!(
                "artefacts.{key}: шаг «{step_name}» составляет форму «{}» — заполните её обязательные разделы",
                artefact.name.ru
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CaseworkError::Rejected(problems))
    }
}

/// The stage in which the case counts as opened (открытие случая): the first stage the variant
/// marks with `opens_case`, or its first stage.
pub fn opening_stage(variant: &Variant) -> Option<&str> {
    let stages = variant.stages();
    stages
        .iter()
        .find(|s| s.opens_case)
        .or_else(|| stages.first())
        .map(|s| s.key.as_str())
}

/// Whether `stage` is a post-support stage (canonical phase `post_support`).
pub fn is_post_support_stage(variant: &Variant, stage: &str) -> bool {
    variant.stage(stage).and_then(|s| s.phase.as_deref()) == Some("post_support")
}

/// The status a new case starts with: open when the variant opens cases in its first stage,
/// intake otherwise.
pub fn initial_status(variant: &Variant) -> &'static str {
    match opening_stage(variant).and_then(|s| variant.stage_index(s)) {
        Some(0) | None => status::OPEN,
        Some(_) => status::INTAKE,
    }
}

/// Moves the case to another stage.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id, to))]
pub async fn transition(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    to: &str,
    input: StepInput,
) -> CaseworkResult<CaseRow> {
    let tx = runtime.begin().await?;
    let case = get_in_scope_for_update(&tx, actor, case_id).await?;
    if case.version != expected_version {
        return Err(CaseworkError::Stale {
            current: case.version,
        });
    }
    require_active(&case)?;
    let variant = runtime.variant(case.variant_version)?.clone();
    if transitions::ends_case(&variant, &case.stage, to) || is_post_support_stage(&variant, to) {
        return Err(CaseworkError::rejected(
            transitions::StepRejection::EndsCase { to: to.to_owned() }.message(),
        ));
    }
    check_people(&tx, actor, &variant, &input).await?;
    let (provided, decisions) = prepare(&variant, &input)?;
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let state = file.state(&variant);
    transitions::check_transition(
        &variant,
        &state,
        to,
        &input.acting_as,
        &provided,
        input.at,
        runtime.calendar(),
    )
    .map_err(rejections)?;
    let scheduled =
        crate::schedules::check(&variant, runtime.calendar(), &state.attributes, &input)
            .map_err(CaseworkError::Rejected)?;
    crate::request_end::forbid_in_transition(&variant, &case, &input)?;

    write_inputs(&tx, actor, case_id, &input, decisions).await?;
    crate::schedules::write(&tx, case_id, actor.user, input.at, &scheduled).await?;
    let minutes = crate::minutes::to_send(&variant, &input);
    crate::minutes::write(&tx, case_id, actor.user, input.at, minutes).await?;
    let mut changed = case.clone();
    changed.stage = to.to_owned();
    changed.stage_entered_at = input.at;
    let opening = opening_stage(&variant);
    let reaches_opening = match (opening, variant.stage_index(to)) {
        (Some(opening), Some(target)) => variant.stage_index(opening).is_some_and(|o| target >= o),
        _ => false,
    };
    if case.status == status::INTAKE && reaches_opening {
        changed.status = status::OPEN.into();
        changed.opened_at = input.at;
    }
    cases::append_record(
        &tx,
        NewRecord::new(case_id, kind::STAGE, to.to_owned(), input.at, actor.user)
            .with(json!({ "from": case.stage, "acting_as": input.acting_as })),
    )
    .await?;
    let after = cases::update(&tx, changed, expected_version).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("case.transition", "case", case_id, &case, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
