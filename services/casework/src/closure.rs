//! Closure and after (закрытие случая, пост-сопровождение): the variant's criteria checklist,
//! outcome indicators, the post-support or follow-up period, and reopening — as a new case that
//! inherits the family's documents (fund) or as the same case through all steps again (clinic).

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::case_file::{kind, status};
use crate::cases::{check_load, get_in_scope_for_update, load_files};
use crate::error::{CaseworkError, CaseworkResult, Language, Problem};
use crate::runtime::TenantRuntime;
use crate::steps::{StepInput, is_post_support_stage, opening_stage};
use chrono::{DateTime, Utc};
use kurator_domain::UserId;
use kurator_method::Variant;
use kurator_method::obligations::post_closure_window;
use kurator_method::problem;
use kurator_method::schema::{Span, Transition, TransitionKind};
use kurator_method::transitions::{self, Provided, StepRejection};
use kurator_store::tenant::cases::{self, CaseRow, NewCase, NewRecord};
use serde_json::json;
use std::collections::BTreeSet;
use uuid::Uuid;

/// The case, if the caller may close, decline or reopen it — its curator or a lead — and the
/// version they saw is the current one.
async fn closable(
    tx: &kurator_store::TenantTx,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
) -> CaseworkResult<CaseRow> {
    let case = get_in_scope_for_update(tx, actor, case_id).await?;
    if !actor.may_close(case.curator_id.map(UserId)) {
        return Err(CaseworkError::Forbidden);
    }
    if case.version != expected_version {
        return Err(CaseworkError::Stale {
            current: case.version,
        });
    }
    Ok(case)
}

#[derive(Debug, Clone)]
pub struct ClosureInput {
    /// Criteria of the variant's checklist, or an alternative ground, the team confirms.
    pub confirmed: Vec<String>,
    /// Outcome indicators reached (variant outcome keys).
    pub outcomes: Vec<String>,
    /// Domains where the child's quality of life improved (the variant's domains).
    pub improved_domains: Vec<String>,
    pub note: Option<String>,
    /// The variant role the person closes the case in; they must hold it.
    pub acting_as: String,
    /// Norms the person acknowledges (`case_duration` for a case closed before its minimum).
    pub acknowledged: Vec<String>,
    /// How often to be in touch during post-support, where the variant has it set at closure.
    pub contact_every: Option<Span>,
    pub at: DateTime<Utc>,
}

fn stage_name(variant: &Variant, key: &str) -> String {
    stage_name_in(variant, key, Language::Ru)
}

fn stage_name_in(variant: &Variant, key: &str, language: Language) -> String {
    variant.stage(key).map_or_else(
        || key.to_owned(),
        |s| s.name.in_language(language).to_owned(),
    )
}

/// The distinct names of the stages `keys`, in order, joined.
fn stage_names<'a>(
    variant: &Variant,
    keys: impl Iterator<Item = &'a str>,
    language: Language,
) -> String {
    let mut names: Vec<String> = Vec::new();
    for key in keys {
        let name = stage_name_in(variant, key, language);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join(", ")
}

fn rejections(list: Vec<StepRejection>) -> CaseworkError {
    CaseworkError::Rejected(list.iter().map(|r| r.problem(None)).collect())
}

/// Runs a transition's guards where no role is asked for (ending post-support, a refusal): only
/// what the case itself lacks — steps, decisions, documents, durations — counts.
fn guards_without_role(
    variant: &Variant,
    state: &transitions::CaseState,
    to: &str,
    at: DateTime<Utc>,
    runtime: &TenantRuntime,
) -> CaseworkResult<()> {
    match transitions::check_transition(
        variant,
        state,
        to,
        "",
        &Provided::default(),
        at,
        &runtime.calendar(),
    ) {
        Ok(_) => Ok(()),
        Err(list) => {
            let lacking: Vec<StepRejection> = list
                .into_iter()
                .filter(|r| !matches!(r, StepRejection::RoleNotAllowed { .. }))
                .collect();
            if lacking.is_empty() {
                Ok(())
            } else {
                Err(rejections(lacking))
            }
        }
    }
}

/// Every problem with what the person confirms and reports at closure.
fn check_closure_input(variant: &Variant, input: &ClosureInput) -> Vec<Problem> {
    let mut problems = Vec::new();
    let closure = variant.doc().closure.as_ref();
    let known: Vec<&str> = closure
        .map(|c| {
            c.criteria
                .iter()
                .chain(&c.alternatives)
                .map(|k| k.key.as_str())
                .collect()
        })
        .unwrap_or_default();
    for key in &input.confirmed {
        if !known.contains(&key.as_str()) {
            problems.push(problem!(
                at = "confirmed",
                "unknown_closure_criterion",
                "confirmed: «{key}» нет среди критериев и оснований закрытия варианта",
                "confirmed: “{key}” is not among the variant's closure criteria and grounds"
            ));
        }
    }
    for key in &input.outcomes {
        if !variant.doc().outcomes.iter().any(|o| &o.key == key) {
            problems.push(problem!(
                at = "outcomes",
                "unknown_outcome",
                "outcomes: «{key}» нет среди результатов варианта",
                "outcomes: “{key}” is not among the variant's outcomes"
            ));
        }
    }
    let domains: Vec<&str> = variant
        .doc()
        .quality_domains
        .iter()
        .map(|d| d.key.as_str())
        .collect();
    for domain in &input.improved_domains {
        if !domains.contains(&domain.as_str()) {
            problems.push(if domains.is_empty() {
                problem!(
                    at = "improvedDomains",
                    "no_quality_domains",
                    "improvedDomains: вариант технологии не отслеживает качество жизни по сферам",
                    "improvedDomains: the method variant tracks no quality-of-life domains"
                )
            } else {
                let domains = domains.join(", ");
                problem!(
                    at = "improvedDomains",
                    "unknown_value",
                    "improvedDomains: ожидается одно из {domains}",
                    "improvedDomains: expected one of {domains}"
                )
            });
        }
    }
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
    }
    problems
}

/// Closes the case through one of the variant's closing transitions from its current stage —
/// with their guards (required steps, decisions, roles, minimum duration) and the closure
/// checklist, or on an alternative ground the transition names. Into post-support where the
/// transition leads there (checked against the curator's post-support allowance), closed
/// otherwise. From a stage with no closing path it is refused with every missing requirement.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn close(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    input: ClosureInput,
) -> CaseworkResult<CaseRow> {
    let _guard = runtime.assignment_lock.lock().await;
    let tx = runtime.begin().await?;
    let case = closable(&tx, actor, case_id, expected_version).await?;
    if case.status != status::OPEN {
        let status = &case.status;
        return Err(CaseworkError::rejected(problem!(
            "case_not_open",
            "закрыть можно только открытый случай; статус случая: {status}",
            "only an open case can be closed; the case's status: {status}"
        )));
    }
    let variant = runtime.variant_in(&tx, case.variant_version).await?.clone();
    crate::staff::require_acting_as(&tx, actor, &variant, &input.acting_as).await?;
    let problems = check_closure_input(&variant, &input);
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let closing: Vec<&Transition> = variant
        .doc()
        .transitions
        .iter()
        .filter(|t| t.kind == TransitionKind::Closing)
        .collect();
    let from_here: Vec<&Transition> = closing
        .iter()
        .copied()
        .filter(|t| t.from == case.stage)
        .collect();
    if from_here.is_empty() {
        let from = |l| stage_names(&variant, closing.iter().map(|t| t.from.as_str()), l);
        let (stages_ru, stages_en) = (from(Language::Ru), from(Language::En));
        let here_ru = stage_name(&variant, &case.stage);
        let here_en = stage_name_in(&variant, &case.stage, Language::En);
        return Err(CaseworkError::rejected(problem!(
            "not_closable_from_stage",
            "с этапа «{here_ru}» случай не закрывается; по варианту технологии его закрывают с этапа: {stages_ru}",
            "a case does not close from stage “{here_en}”; by the method variant it closes from: {stages_en}"
        )));
    }
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let state = file.state(&variant);
    let confirmed: BTreeSet<String> = input.confirmed.iter().cloned().collect();
    let provided = Provided {
        confirmed: confirmed.clone(),
        acknowledged: input.acknowledged.iter().cloned().collect(),
        ..Provided::default()
    };

    // Paths on a confirmed alternative ground first, then the ordinary ones.
    let grounded = |t: &&&Transition| t.ground.as_ref().is_some_and(|g| confirmed.contains(g));
    let mut targets: Vec<&str> = from_here
        .iter()
        .filter(grounded)
        .map(|t| t.to.as_str())
        .collect();
    targets.extend(
        from_here
            .iter()
            .filter(|t| t.ground.is_none())
            .map(|t| t.to.as_str()),
    );
    if targets.is_empty() {
        // Only paths on a ground here, and none of the grounds confirmed: say which grounds
        // close the case from this stage and where it closes otherwise.
        let grounds = |language: Language, (open, close): (&str, &str)| {
            from_here
                .iter()
                .filter_map(|t| t.ground.as_deref())
                .map(|g| {
                    let name = variant
                        .doc()
                        .closure
                        .as_ref()
                        .and_then(|c| c.alternatives.iter().find(|a| a.key == g))
                        .map_or(g, |a| a.name.in_language(language));
                    format!("{open}{name}{close} ({g})")
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (grounds_ru, grounds_en) = (
            grounds(Language::Ru, ("«", "»")),
            grounds(Language::En, ("“", "”")),
        );
        let ordinary = |l| {
            stage_names(
                &variant,
                closing
                    .iter()
                    .filter(|t| t.ground.is_none())
                    .map(|t| t.from.as_str()),
                l,
            )
        };
        let (ordinary_ru, ordinary_en) = (ordinary(Language::Ru), ordinary(Language::En));
        let here_ru = stage_name(&variant, &case.stage);
        let here_en = stage_name_in(&variant, &case.stage, Language::En);
        return Err(CaseworkError::rejected(problem!(
            at = "confirmed",
            "closure_ground_required",
            "с этапа «{here_ru}» случай закрывается только по основанию: {grounds_ru}; обычное закрытие — с этапа: {ordinary_ru}",
            "from stage “{here_en}” a case closes only on a ground: {grounds_en}; it closes ordinarily from: {ordinary_en}"
        )));
    }
    targets.dedup();
    let mut first_refusal = None;
    let mut chosen = None;
    for to in targets {
        match transitions::check_transition(
            &variant,
            &state,
            to,
            &input.acting_as,
            &provided,
            input.at,
            &runtime.calendar(),
        ) {
            Ok(_) => {
                chosen = Some(to.to_owned());
                break;
            }
            Err(list) => {
                first_refusal.get_or_insert(list);
            }
        }
    }
    let Some(target) = chosen else {
        return Err(rejections(first_refusal.unwrap_or_default()));
    };
    let ground = from_here
        .iter()
        .filter(|t| t.to == target)
        .find_map(|t| t.ground.clone().filter(|g| confirmed.contains(g)));

    let facts = file.facts();
    let check = transitions::closure_check(
        &variant,
        &confirmed,
        Some(&facts),
        input.at,
        &runtime.calendar(),
    );
    if ground.is_none() && !check.allowed {
        let name = |key: &String, language| {
            variant
                .doc()
                .closure
                .as_ref()
                .and_then(|c| c.criteria.iter().find(|k| &k.key == key))
                .map_or(key.clone(), |k| k.name.in_language(language).to_owned())
        };
        return Err(CaseworkError::Rejected(
            check
                .missing
                .iter()
                .map(|key| {
                    let (ru, en) = (name(key, Language::Ru), name(key, Language::En));
                    problem!(
                        at = "confirmed",
                        "closure_criterion_not_confirmed",
                        "критерий закрытия не подтверждён: {ru}",
                        "closure criterion not confirmed: {en}"
                    )
                })
                .collect(),
        ));
    }

    let into_post_support = is_post_support_stage(&variant, &target);
    let mut changed = case.clone();
    changed.stage = target.clone();
    changed.stage_entered_at = input.at;
    changed.closed_at = Some(input.at);
    let missing = if ground.is_some() {
        Vec::new()
    } else {
        check.missing.clone()
    };
    changed.outcome = Some(json!({
        "confirmed": input.confirmed,
        "outcomes": input.outcomes,
        "improved_domains": input.improved_domains,
        "ground": ground,
        "advisory": check.advisory,
        "missing": missing,
    }));
    // Where the variant's post-support contacts run at a frequency set at closure, it is set now.
    let set_at_closure = variant
        .doc()
        .recurring
        .iter()
        .any(|r| r.cadence_set_at_closure);
    let contact_every = match (into_post_support && set_at_closure, input.contact_every) {
        (true, None) => {
            return Err(CaseworkError::rejected(problem!(
                at = "contactEvery",
                "contact_frequency_missing",
                "contactEvery: укажите, как часто быть на связи с семьёй на пост-сопровождении",
                "contactEvery: say how often to be in touch with the family in post-support"
            )));
        }
        (true, Some(every)) if every.is_zero() || every.approx_hours() > 8766 => {
            return Err(CaseworkError::rejected(problem!(
                at = "contactEvery",
                "contact_frequency_out_of_range",
                "contactEvery: от одного дня до одного года",
                "contactEvery: from one day to one year"
            )));
        }
        (true, Some(every)) => Some(every),
        (false, _) => None,
    };
    if into_post_support {
        changed.status = status::POST_SUPPORT.into();
        // Post-support counts against the curator's post-support allowance (fund: 5, §13).
        if let Some(curator) = case.curator_id {
            check_load(&tx, runtime, UserId(curator), &changed, true).await?;
        }
        // Stored with the case: computed with the calendar as this transaction sees it.
        let calendar = runtime.calendar_in(&tx).await?;
        let window = post_closure_window(&variant, input.at, &calendar);
        let stage_max = variant
            .stage(&target)
            .and_then(|s| s.duration.as_ref())
            .and_then(|d| d.max.as_ref())
            .map(|span| calendar.add_span(input.at, span));
        let (min, max) = window.unwrap_or((None, None));
        changed.post_support_until = max.or(stage_max).or(min);
        cases::append_record(
            &tx,
            NewRecord::new(
                case_id,
                kind::EVENT,
                "post_support_started",
                input.at,
                actor.user,
            )
            .with(json!({
                "until_min": min,
                "until_max": max.or(stage_max),
                "contact_every": contact_every,
            })),
        )
        .await?;
    } else {
        changed.status = status::CLOSED.into();
    }
    for norm in &input.acknowledged {
        cases::append_record(
            &tx,
            NewRecord::new(
                case_id,
                kind::ACKNOWLEDGEMENT,
                norm.clone(),
                input.at,
                actor.user,
            )
            .with(json!({ "acting_as": input.acting_as })),
        )
        .await?;
    }
    cases::append_record(
        &tx,
        NewRecord::new(case_id, kind::STAGE, target.clone(), input.at, actor.user)
            .with(json!({ "from": case.stage, "closure": true, "acting_as": input.acting_as })),
    )
    .await?;
    cases::append_record(
        &tx,
        NewRecord::new(case_id, kind::CLOSURE, "closed", input.at, actor.user).with(json!({
            "note": input.note,
            "outcome": changed.outcome,
            "acting_as": input.acting_as,
        })),
    )
    .await?;
    let after = cases::update(&tx, changed, expected_version).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("case.close", "case", case_id, &case, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Ends the post-support (follow-up) period — not before its minimum length (fund: half a year,
/// seed 000 §6 table 1; clinic: 3 months, seed 004 §7, step 4), and through the variant's
/// transition out of the post-support stage where it has one (state centre: supporting → closed).
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn end_post_support(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    at: DateTime<Utc>,
) -> CaseworkResult<CaseRow> {
    let tx = runtime.begin().await?;
    let case = closable(&tx, actor, case_id, expected_version).await?;
    if case.status != status::POST_SUPPORT {
        return Err(CaseworkError::rejected(problem!(
            "not_in_post_support",
            "случай не находится в пост-сопровождении",
            "the case is not in post-support"
        )));
    }
    let variant = runtime.variant_in(&tx, case.variant_version).await?.clone();
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let started = file
        .facts()
        .post_support_started_at
        .or(case.closed_at)
        .unwrap_or(case.stage_entered_at);
    if let Some(min) = variant
        .doc()
        .post_closure
        .as_ref()
        .and_then(|b| b.min.as_ref())
    {
        let until = runtime.calendar().add_span(started, min);
        if at < until {
            let (ru, en) = (min.russian_genitive(), min.english());
            let until = until.format("%d.%m.%Y");
            return Err(CaseworkError::rejected(problem!(
                "post_support_too_short",
                "пост-сопровождение длится не менее {ru}: до {until}",
                "post-support lasts at least {en}: until {until}"
            )));
        }
    }
    let mut changed = case.clone();
    let onward = variant.doc().transitions.iter().find(|t| {
        t.from == case.stage
            && variant
                .stage(&t.to)
                .and_then(|s| s.phase.as_deref())
                .is_some_and(|p| p == "closure")
    });
    if let Some(t) = onward {
        let to = t.to.clone();
        guards_without_role(&variant, &file.state(&variant), &to, at, runtime)?;
        changed.stage = to.clone();
        changed.stage_entered_at = at;
        cases::append_record(
            &tx,
            NewRecord::new(case_id, kind::STAGE, to, at, actor.user)
                .with(json!({ "from": case.stage, "post_support_ended": true })),
        )
        .await?;
    }
    changed.status = status::CLOSED.into();
    changed.post_support_until = Some(at);
    if changed.closed_at.is_none() {
        changed.closed_at = Some(at);
    }
    cases::append_record(
        &tx,
        NewRecord::new(case_id, kind::EVENT, "post_support_ended", at, actor.user),
    )
    .await?;
    let after = cases::update(&tx, changed, expected_version).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("case.end_post_support", "case", case_id, &case, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Reopens after relapse or regression, as the variant says. Returns the case that continues:
/// a new one (inheriting the family's documents) or the same one back at the restart stage. The
/// family counts against its curator's caseload again, so the caseload policy decides first.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn reopen(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    at: DateTime<Utc>,
) -> CaseworkResult<CaseRow> {
    let _guard = runtime.assignment_lock.lock().await;
    let tx = runtime.begin().await?;
    let case = closable(&tx, actor, case_id, expected_version).await?;
    if case.status != status::CLOSED && case.status != status::POST_SUPPORT {
        return Err(CaseworkError::rejected(problem!(
            "not_reopenable",
            "открыть заново можно только закрытый случай или случай на пост-сопровождении",
            "only a closed case or one in post-support can be reopened"
        )));
    }
    let variant = runtime.variant_in(&tx, case.variant_version).await?.clone();
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let reopened = transitions::reopen(&variant, &file.state(&variant), at).ok_or_else(|| {
        CaseworkError::rejected(problem!(
            "reopening_not_provided",
            "вариант технологии не предусматривает повторного открытия",
            "the method variant provides no reopening"
        ))
    })?;
    let restart = reopened.state.stage.clone();
    let opens = opening_stage(&variant)
        .and_then(|o| variant.stage_index(o))
        .zip(variant.stage_index(&restart))
        .is_some_and(|(opening, restart)| restart >= opening);
    let new_status = if opens { status::OPEN } else { status::INTAKE };

    let continuing = if reopened.new_case {
        let mut old = case.clone();
        old.status = status::CLOSED.into();
        if old.closed_at.is_none() {
            old.closed_at = Some(at);
        }
        let old_after = cases::update(&tx, old, expected_version).await?;
        let new_case = cases::insert(
            &tx,
            NewCase {
                id: Uuid::now_v7(),
                signal_id: case.signal_id,
                family: case.family.clone(),
                variant_key: variant.key().to_owned(),
                variant_version: case.variant_version,
                status: new_status.into(),
                stage: restart.clone(),
                curator_id: None,
                attributes: case.attributes.clone(),
                opened_at: at,
                parent_case_id: Some(case.id),
            },
        )
        .await?;
        let new_case = match case.curator_id {
            Some(curator) => {
                check_load(&tx, runtime, UserId(curator), &new_case, false).await?;
                let mut with_curator = new_case.clone();
                with_curator.curator_id = Some(curator);
                let version = with_curator.version;
                let updated = cases::update(&tx, with_curator, version).await?;
                cases::add_member(&tx, updated.id, UserId(curator), "curator").await?;
                updated
            }
            None => new_case,
        };
        // Every document the family already has comes along.
        for record in file
            .records
            .iter()
            .filter(|r| r.kind == kind::ARTEFACT || r.kind == kind::CONSENT)
        {
            cases::append_record(
                &tx,
                NewRecord::new(
                    new_case.id,
                    if record.kind == kind::ARTEFACT {
                        kind::ARTEFACT
                    } else {
                        kind::CONSENT
                    },
                    record.key.clone(),
                    record.at,
                    actor.user,
                )
                .with(json!({ "inherited_from": case.id, "content": record.data })),
            )
            .await?;
        }
        if let Some(event) = &variant.doc().intake_event
            && !opens
        {
            // Work restarts from signal intake: deadlines count from the new signal.
            cases::append_record(
                &tx,
                NewRecord::new(new_case.id, kind::EVENT, event.clone(), at, actor.user)
                    .with(json!({ "reopened_from": case.id })),
            )
            .await?;
        }
        audit::record(
            &tx,
            actor,
            Audit::changed("case.reopen_closes_old", "case", case.id, &case, &old_after),
        )
        .await?;
        audit::record(
            &tx,
            actor,
            Audit::created("case.reopen_as_new", "case", new_case.id, &new_case),
        )
        .await?;
        new_case
    } else {
        let mut changed = case.clone();
        changed.status = new_status.into();
        changed.stage = restart.clone();
        changed.stage_entered_at = at;
        changed.closed_at = None;
        changed.post_support_until = None;
        if let Some(curator) = case.curator_id {
            check_load(&tx, runtime, UserId(curator), &changed, false).await?;
        }
        let after = cases::update(&tx, changed, expected_version).await?;
        audit::record(
            &tx,
            actor,
            Audit::changed("case.reopen", "case", case_id, &case, &after),
        )
        .await?;
        after
    };
    cases::append_record(
        &tx,
        NewRecord {
            case_id: continuing.id,
            kind: kind::REOPENED,
            key: "reopened".into(),
            at,
            data: json!({ "from_case": case.id, "new_case": reopened.new_case }),
            actor: Some(actor.user),
        },
    )
    .await?;
    cases::append_record(
        &tx,
        NewRecord {
            case_id: continuing.id,
            kind: kind::STAGE,
            key: restart,
            at,
            data: json!({ "reopened": true }),
            actor: Some(actor.user),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(continuing)
}

/// Declines a case still in intake — the informed refusal after the decision not to take it,
/// through the variant's refusal transition from the current stage (fund: the team's «refuse» on
/// taking the case; volunteers: the vote «decline»). The reasons and where else the family can
/// get help are recorded; the family no longer counts against anyone's caseload.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, case = %case_id))]
pub async fn decline(
    runtime: &TenantRuntime,
    actor: &Actor,
    case_id: Uuid,
    expected_version: i32,
    reasons: String,
    alternatives: Vec<String>,
    decided: StepInput,
) -> CaseworkResult<CaseRow> {
    let at = decided.at;
    let mut problems = Vec::new();
    if reasons.trim().is_empty() || reasons.chars().count() > crate::forms::MAX_FIELD_LEN {
        problems.push(problem!(
            at = "reasons",
            "reasons_missing",
            "reasons: укажите причины отказа",
            "reasons: give the reasons for the refusal"
        ));
    }
    if alternatives.iter().all(|a| a.trim().is_empty()) {
        problems.push(problem!(
            at = "alternatives",
            "alternatives_missing",
            "alternatives: информированный отказ называет, куда ещё можно обратиться",
            "alternatives: an informed refusal names where else to turn"
        ));
    }
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let tx = runtime.begin().await?;
    let case = closable(&tx, actor, case_id, expected_version).await?;
    if case.status != status::INTAKE {
        return Err(CaseworkError::rejected(problem!(
            "case_already_open",
            "отказать можно только до открытия случая",
            "a case can be declined only before it is opened"
        )));
    }
    let variant = runtime.variant_in(&tx, case.variant_version).await?.clone();
    let refusals: Vec<&Transition> = variant
        .doc()
        .transitions
        .iter()
        .filter(|t| t.kind == TransitionKind::Refusal && t.from == case.stage)
        .collect();
    let Some(first) = refusals.first() else {
        let here_ru = stage_name(&variant, &case.stage);
        let here_en = stage_name_in(&variant, &case.stage, Language::En);
        return Err(CaseworkError::rejected(problem!(
            "no_refusal_at_stage",
            "на этапе «{here_ru}» вариант технологии не предусматривает отказа",
            "the method variant provides no refusal at stage “{here_en}”"
        )));
    };
    let file = load_files(&tx, vec![case.clone()])
        .await?
        .pop()
        .ok_or(CaseworkError::NotFound)?;
    let to = first.to.clone();
    // The decision to refuse may come with the refusal itself, recorded by a member in a role
    // they hold (clinic: the primary assessment «not confirmed»).
    let recorded = if decided.decisions.is_empty() {
        guards_without_role(&variant, &file.state(&variant), &to, at, runtime)?;
        Vec::new()
    } else {
        crate::steps::check_people(&tx, actor, &variant, &decided).await?;
        let (provided, recorded) = crate::steps::prepare(&variant, &decided)?;
        transitions::check_transition(
            &variant,
            &file.state(&variant),
            &to,
            &decided.acting_as,
            &provided,
            at,
            &runtime.calendar(),
        )
        .map_err(rejections)?;
        recorded
    };
    crate::steps::write_inputs(&tx, actor, case_id, &decided, recorded).await?;
    let mut changed = case.clone();
    changed.status = status::DECLINED.into();
    changed.stage = to.clone();
    changed.stage_entered_at = at;
    changed.closed_at = Some(at);
    changed.outcome =
        Some(json!({ "declined": { "reasons": reasons, "alternatives": alternatives } }));
    cases::append_record(
        &tx,
        NewRecord::new(case_id, kind::STAGE, to, at, actor.user)
            .with(json!({ "from": case.stage, "refusal": true })),
    )
    .await?;
    cases::append_record(
        &tx,
        NewRecord {
            case_id,
            kind: kind::CLOSURE,
            key: "declined".into(),
            at,
            data: json!({ "reasons": reasons, "alternatives": alternatives }),
            actor: Some(actor.user),
        },
    )
    .await?;
    // Where the refusal's decision ends the work on the request into a journal, the request
    // is entered there, as when the decision is recorded by its step.
    let ending = first.requires_decision.as_ref().and_then(|r| {
        let outcome = r.outcome.as_deref()?;
        crate::request_end::for_refusal(&variant, &r.decision, outcome)
    });
    if let Some(ending) = &ending {
        let entry = StepInput {
            note: Some(reasons.clone()),
            at,
            ..StepInput::default()
        };
        let mut journaled = changed.clone();
        crate::request_end::apply(&tx, &variant, actor, &mut journaled, ending, &entry).await?;
    }
    let after = cases::update(&tx, changed, expected_version).await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("case.decline", "case", case_id, &case, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
