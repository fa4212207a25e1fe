//! Steps and transitions (шаги и переходы): doing what the variant allows next, with the
//! artefacts, consents and decisions it requires. A step the variant does not allow, or one with a
//! missing requirement, is refused with every reason and writes nothing.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::case_file::{kind, status};
use crate::cases::{get_in_scope_for_update, load_files};
use crate::error::{CaseworkError, CaseworkResult, Language};
use crate::forms;
use crate::runtime::TenantRuntime;
use chrono::{DateTime, Utc};
use kurator_method::Variant;
use kurator_method::decisions::{self, DecisionRecord, DecisionStatus};
use kurator_method::problem;
use kurator_method::schema::SCENARIO_ATTRIBUTE;
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
    CaseworkError::Rejected(list.iter().map(|r| r.problem(None)).collect())
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
            let known = transitions::CASE_DURATION_NORM;
            problems.push(problem!(
                at = "acknowledged",
                "unknown_norm",
                "acknowledged: «{norm}» — неизвестный норматив; ожидается {known}",
                "acknowledged: “{norm}” is an unknown norm; expected {known}"
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
        let max = forms::MAX_FIELD_LEN;
        problems.push(problem!(
            at = "note",
            "too_long",
            "note: не более {max} символов",
            "note: at most {max} characters"
        ));
    }
    let mut recorded = Vec::new();
    for (key, record) in &input.decisions {
        let Some(def) = variant.decision(key) else {
            problems.push(problem!(
                at = format!("decisions.{key}"),
                "unknown_decision",
                "decisions.{key}: такой процедуры решения нет в варианте",
                "decisions.{key}: the variant has no such decision procedure"
            ));
            continue;
        };
        let mut invalid = Vec::new();
        let status = decisions::evaluate_with_problems(def, record, &mut invalid);
        let outcome = match &status {
            DecisionStatus::Decided { outcome, .. } => {
                provided = provided.decision(key, outcome);
                Some(outcome.clone())
            }
            DecisionStatus::Invalid { .. } => {
                let field = format!("decisions.{key}");
                problems.extend(invalid.into_iter().map(|p| {
                    kurator_method::Problem {
                        ru: format!("{field}: {}", p.ru),
                        en: format!("{field}: {}", p.en),
                        ..p
                    }
                    .at(&field)
                }));
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
        return Err(CaseworkError::rejected(problem!(
            "case_closed",
            "случай закрыт: сначала его нужно открыть заново",
            "the case is closed: it must be reopened first"
        )));
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
    let variant = runtime.variant_in(&tx, case.variant_version).await?.clone();
    check_people(&tx, actor, &variant, &input).await?;
    let (provided, decisions) = prepare(&variant, &input)?;
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let state = file.state(&variant);
    let (outcome, waived) =
        match transitions::check_step(&variant, &state, step, &input.acting_as, &provided) {
            Ok(outcome) => (outcome, Vec::new()),
            Err(list) => {
                let required = variant
                    .step(step)
                    .and_then(|(_, s)| s.requires_decision.clone())
                    .into_iter()
                    .collect::<Vec<_>>();
                let (provided, waived, role_waived) =
                    waive_approvals(&variant, &state, list, &provided, &required)?;
                // The step is checked as its deciding role would do it; the record keeps who acted.
                let deciding = variant
                    .step(step)
                    .and_then(|(_, s)| s.roles.first().cloned())
                    .filter(|_| role_waived)
                    .unwrap_or_else(|| input.acting_as.clone());
                let outcome = transitions::check_step(&variant, &state, step, &deciding, &provided)
                    .map_err(rejections)?;
                (outcome, waived)
            }
        };
    let scheduled =
        crate::schedules::check(&variant, &runtime.calendar(), &state.attributes, &input)
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
    write_pending(&tx, actor, case_id, input.at, step, &waived).await?;
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

/// In a scenario that skips approvals (fund: emergency, seed 000 §10) the curator acts first:
/// the decisions a step or move still lacks are waived now and flagged as awaiting approval,
/// to be recorded afterwards ([`record_approvals`]). Anything else still refuses. Returns what
/// the engine should see as provided, the waived decisions, and whether the deciding role was
/// waived too.
fn waive_approvals(
    variant: &Variant,
    state: &transitions::CaseState,
    rejected: Vec<StepRejection>,
    provided: &Provided,
    required: &[kurator_method::schema::DecisionRequirement],
) -> CaseworkResult<(Provided, Vec<String>, bool)> {
    let skips = state
        .attributes
        .get(SCENARIO_ATTRIBUTE)
        .and_then(|key| variant.doc().scenarios.iter().find(|s| &s.key == key))
        .is_some_and(|s| s.skips_approvals);
    // What waits for approval: the decision, and — for a step that is itself the approval —
    // the deciding role (the curator acts first, the senior curator approves afterwards).
    let approval_step = !required.is_empty();
    let (waivable, rest): (Vec<_>, Vec<_>) = rejected.into_iter().partition(|r| {
        matches!(r, StepRejection::MissingDecision { .. })
            || (approval_step && matches!(r, StepRejection::RoleNotAllowed { .. }))
    });
    let waives_decision = waivable
        .iter()
        .any(|r| matches!(r, StepRejection::MissingDecision { .. }));
    if !skips || !rest.is_empty() || !waives_decision {
        let mut all = rest;
        all.extend(waivable);
        return Err(rejections(all));
    }
    let role_waived = waivable
        .iter()
        .any(|r| matches!(r, StepRejection::RoleNotAllowed { .. }));
    let mut provided = provided.clone();
    let mut waived = Vec::new();
    for rejection in waivable {
        if let StepRejection::MissingDecision { decision } = rejection {
            let outcome = required
                .iter()
                .find(|r| r.decision == decision)
                .and_then(|r| r.outcome.clone())
                .or_else(|| {
                    variant
                        .decision(&decision)
                        .and_then(|d| d.outcomes.first().cloned())
                })
                .unwrap_or_default();
            provided = provided.decision(&decision, &outcome);
            waived.push(decision);
        }
    }
    Ok((provided, waived, role_waived))
}

/// Flags the decisions waived in an emergency as awaiting approval.
async fn write_pending(
    tx: &TenantTx,
    actor: &Actor,
    case_id: Uuid,
    at: DateTime<Utc>,
    action: &str,
    waived: &[String],
) -> CaseworkResult<()> {
    for decision in waived {
        let record = NewRecord::new(
            case_id,
            kind::PENDING_APPROVAL,
            decision.clone(),
            at,
            actor.user,
        )
        .with(json!({ "action": action }));
        cases::append_record(tx, record).await?;
    }
    Ok(())
}

/// Records afterwards the approvals an emergency went ahead without (seed 000 §10: the curator
/// acts first, the approvals follow), each by the members holding the deciding roles; the flag
/// goes once every one awaiting is recorded.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn record_approvals(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    input: StepInput,
) -> CaseworkResult<CaseRow> {
    let tx = runtime.begin().await?;
    let case = get_in_scope_for_update(&tx, actor, case_id).await?;
    if case.version != expected_version {
        return Err(CaseworkError::Stale {
            current: case.version,
        });
    }
    let variant = runtime.variant_in(&tx, case.variant_version).await?.clone();
    check_people(&tx, actor, &variant, &input).await?;
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let pending = file.pending_approvals();
    let mut problems = Vec::new();
    if input.decisions.is_empty() {
        problems.push(problem!(
            at = "decisions",
            "decisions_missing",
            "decisions: укажите решения, которые ожидают согласования",
            "decisions: give the decisions awaiting approval"
        ));
    }
    for key in input.decisions.keys() {
        if !pending.contains(key) {
            problems.push(problem!(
                at = format!("decisions.{key}"),
                "not_awaiting_approval",
                "decisions.{key}: это решение не ожидает согласования",
                "decisions.{key}: this decision is not awaiting approval"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let (_, decisions) = prepare(&variant, &input)?;
    let undecided: Vec<_> = decisions
        .iter()
        .filter(|(_, data)| data.get("outcome").is_none_or(serde_json::Value::is_null))
        .map(|(key, _)| {
            problem!(
                at = format!("decisions.{key}"),
                "decision_pending",
                "decisions.{key}: решение ещё не принято",
                "decisions.{key}: the decision is not taken yet"
            )
        })
        .collect();
    if !undecided.is_empty() {
        return Err(CaseworkError::Rejected(undecided));
    }
    write_inputs(&tx, actor, case_id, &input, decisions).await?;
    let after = cases::update(&tx, case.clone(), expected_version).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed(
            "case.record_approvals",
            "case",
            case_id,
            &json!({ "version": case.version, "pending": pending }),
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
    let step_name = |language| {
        variant.step(step).map_or_else(
            || step.to_owned(),
            |(_, s)| s.name.in_language(language).to_owned(),
        )
    };
    let (step_ru, step_en) = (step_name(Language::Ru), step_name(Language::En));
    let mut problems = Vec::new();
    for key in produces {
        let Some(artefact) = variant.artefact(key) else {
            continue;
        };
        let (form_ru, form_en) = (&artefact.name.ru, artefact.name.in_language(Language::En));
        if plans.contains(&key.as_str()) {
            if !has_plan {
                problems.push(problem!(
                    "plan_missing",
                    "шаг «{step_ru}» составляет «{form_ru}»: сначала запишите план с его действиями (revisePlan)",
                    "step “{step_en}” produces “{form_en}”: record the plan with its actions first (revisePlan)"
                ));
            }
            continue;
        }
        let has_required = artefact
            .sections
            .iter()
            .any(|s| s.fields.iter().any(|f| f.required));
        if has_required && !input.artefacts.contains_key(key) && !state.artefacts.contains(key) {
            problems.push(problem!(
                at = format!("artefacts.{key}"),
                "form_missing",
                "artefacts.{key}: шаг «{step_ru}» составляет форму «{form_ru}» — заполните её обязательные разделы",
                "artefacts.{key}: step “{step_en}” produces form “{form_en}” — fill in its required sections"
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
    let variant = runtime.variant_in(&tx, case.variant_version).await?.clone();
    if transitions::ends_case(&variant, &case.stage, to) || is_post_support_stage(&variant, to) {
        return Err(CaseworkError::rejected(
            transitions::StepRejection::EndsCase { to: to.to_owned() }.problem(None),
        ));
    }
    check_people(&tx, actor, &variant, &input).await?;
    let (provided, decisions) = prepare(&variant, &input)?;
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let state = file.state(&variant);
    let waived = match transitions::check_transition(
        &variant,
        &state,
        to,
        &input.acting_as,
        &provided,
        input.at,
        &runtime.calendar(),
    ) {
        Ok(_) => Vec::new(),
        Err(list) => {
            let required: Vec<_> = variant
                .doc()
                .transitions
                .iter()
                .filter(|t| t.from == case.stage && t.to == to)
                .filter_map(|t| t.requires_decision.clone())
                .collect();
            let (provided, waived, _) =
                waive_approvals(&variant, &state, list, &provided, &required)?;
            transitions::check_transition(
                &variant,
                &state,
                to,
                &input.acting_as,
                &provided,
                input.at,
                &runtime.calendar(),
            )
            .map_err(rejections)?;
            waived
        }
    };
    let scheduled =
        crate::schedules::check(&variant, &runtime.calendar(), &state.attributes, &input)
            .map_err(CaseworkError::Rejected)?;
    crate::request_end::forbid_in_transition(&variant, &case, &input)?;

    write_inputs(&tx, actor, case_id, &input, decisions).await?;
    write_pending(&tx, actor, case_id, input.at, to, &waived).await?;
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
