//! Intake (приём сигнала / обращения): registering a signal with its triage, deciding on it, and
//! the journals — signals, unconfirmed requests, visitors with one-time help.

use crate::actor::Actor;
use crate::audit::{self, Audit};
use crate::case_file::kind;
use crate::error::{CaseworkError, CaseworkResult, Problem};
use crate::runtime::TenantRuntime;
use crate::triage::{self, TriageInput};
use chrono::{DateTime, Utc};
use kurator_method::problem;
use kurator_store::tenant::cases::{self, NewCase, NewRecord};
use kurator_store::tenant::idempotency;
use kurator_store::tenant::signals::{self, NewSignal, SignalFilter, SignalRow};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// Longest free text accepted in a signal.
pub const MAX_TEXT: usize = 10_000;

/// The fields of the clinic's Appendix 1 and the fund's signal journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignalInput {
    pub received_at: DateTime<Utc>,
    /// Who reported: the family, guardianship authority, school, neighbours, relatives, staff…
    pub source: String,
    /// Call, messenger, e-mail, in person, written.
    pub channel: String,
    /// Personal data.
    pub requester: Value,
    /// Personal data: the family or child concerned.
    pub subject: Value,
    /// Personal data: mother's and father's whereabouts and occupation.
    pub parents: Value,
    /// Personal data.
    pub grounds: String,
    pub follow_up: String,
    pub triage: TriageInput,
    /// The variant's intake form as filled in (clinic: Appendix 1), where it has one. Personal data.
    #[serde(default)]
    pub form: Option<Value>,
}

/// The decision on a signal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignalDecision {
    /// Take it into work: a case starts at the variant's first stage.
    Accept { family: Value },
    /// Informed refusal: the reasons and where else to get help.
    Refuse {
        reasons: String,
        alternatives: Vec<String>,
    },
    /// Passed to another organisation.
    Redirect { to: String, reasons: String },
    /// The primary assessment did not confirm the concern (clinic: unconfirmed-requests journal).
    NotConfirmed { reasons: String },
    /// One-time help without a case (visitor journal).
    OneTimeHelp { help: String },
}

impl SignalDecision {
    /// The decision's kind, as variants list them in `signal_decisions`.
    pub fn kind(&self) -> &'static str {
        match self {
            SignalDecision::Accept { .. } => "accept",
            SignalDecision::Refuse { .. } => "refuse",
            SignalDecision::Redirect { .. } => "redirect",
            SignalDecision::NotConfirmed { .. } => "not_confirmed",
            SignalDecision::OneTimeHelp { .. } => "one_time_help",
        }
    }

    fn status(&self) -> &'static str {
        match self {
            SignalDecision::Accept { .. } => "accepted",
            SignalDecision::Refuse { .. } => "refused",
            SignalDecision::Redirect { .. } => "redirected",
            SignalDecision::NotConfirmed { .. } => "not_confirmed",
            SignalDecision::OneTimeHelp { .. } => "one_time_help",
        }
    }

    fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut text = |field: &str, value: &str| {
            problems.extend(text_problem("decision", field, value, true));
        };
        match self {
            SignalDecision::Accept { family } => {
                if !family.is_object() {
                    problems.push(problem!(
                        at = "decision.family",
                        "family_not_object",
                        "decision.family: ожидается описание семьи",
                        "decision.family: a description of the family is expected"
                    ));
                }
            }
            SignalDecision::Refuse {
                reasons,
                alternatives,
            } => {
                text("reasons", reasons);
                if alternatives.iter().all(|a| a.trim().is_empty()) {
                    problems.push(problem!(
                        at = "decision.alternatives",
                        "alternatives_missing",
                        "decision.alternatives: информированный отказ называет, куда ещё можно обратиться за помощью",
                        "decision.alternatives: an informed refusal names where else help can be found"
                    ));
                }
            }
            SignalDecision::Redirect { to, reasons } => {
                text("to", to);
                text("reasons", reasons);
            }
            SignalDecision::NotConfirmed { reasons } => text("reasons", reasons),
            SignalDecision::OneTimeHelp { help } => text("help", help),
        }
        problems
    }
}

/// The journals kept from signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Journal {
    /// Every signal (журнал сигналов / первичной регистрации).
    Signals,
    /// Журнал неподтверждённых обращений.
    Unconfirmed,
    /// Журнал посетителей: one-time help.
    Visitors,
}

impl Journal {
    fn statuses(self) -> Vec<String> {
        match self {
            Journal::Signals => Vec::new(),
            Journal::Unconfirmed => vec!["not_confirmed".into()],
            Journal::Visitors => vec!["one_time_help".into()],
        }
    }
}

/// An empty required text or one over [`MAX_TEXT`] characters, at `{prefix}.{field}`.
fn text_problem(prefix: &str, field: &str, value: &str, required: bool) -> Option<Problem> {
    let path = format!("{prefix}.{field}");
    if required && value.trim().is_empty() {
        Some(problem!(
            at = &path,
            "empty",
            "{path}: поле не может быть пустым",
            "{path}: the field may not be empty"
        ))
    } else if value.chars().count() > MAX_TEXT {
        Some(problem!(
            at = &path,
            "too_long",
            "{path}: не более {MAX_TEXT} символов",
            "{path}: at most {MAX_TEXT} characters"
        ))
    } else {
        None
    }
}

fn text_problems(input: &SignalInput) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (field, value, required) in [
        ("source", &input.source, true),
        ("channel", &input.channel, true),
        ("grounds", &input.grounds, true),
        ("followUp", &input.follow_up, false),
    ] {
        problems.extend(text_problem("signal", field, value, required));
    }
    for (field, value) in [
        ("requester", &input.requester),
        ("subject", &input.subject),
        ("parents", &input.parents),
    ] {
        if !value.is_object() {
            problems.push(problem!(
                at = format!("signal.{field}"),
                "not_an_object",
                "signal.{field}: ожидается объект",
                "signal.{field}: an object is expected"
            ));
        }
    }
    problems
}

/// Whether the age a form states is one the variant works with (seed 004 §3: the clinic works
/// with children 0–5), on the day of `at` in the variant's time zone; the problem names the
/// field under `path`.
pub fn age_problem(
    variant: &kurator_method::Variant,
    subject: &Value,
    path: &str,
    at: DateTime<Utc>,
    require: bool,
) -> Option<Problem> {
    let spec = variant.doc().subject_age.as_ref()?;
    let on = at.with_timezone(&variant.time_zone()).date_naive();
    kurator_method::age::check(spec, subject, on, require)
        .err()
        .map(|problem| problem.problem(spec, path))
}

/// Registers a signal with its triage. Retried with the same idempotency key, it returns the
/// signal the first attempt registered.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn register(
    runtime: &TenantRuntime,
    actor: &Actor,
    input: SignalInput,
    idempotency_key: Option<&str>,
) -> CaseworkResult<SignalRow> {
    actor.require_intake()?;
    let variant = runtime.current_variant()?;
    let mut problems = text_problems(&input);
    problems.extend(age_problem(
        variant,
        &input.subject,
        "signal.subject",
        input.received_at,
        true,
    ));
    // The organisation's intake form, where it registers signals on one.
    match (&variant.doc().intake_form, &input.form) {
        (Some(form), Some(content)) => problems.extend(crate::forms::check(variant, form, content)),
        (Some(form), None) => {
            let (ru, en) = variant
                .artefact(form)
                .map_or((form.as_str(), form.as_str()), |a| {
                    (
                        a.name.ru.as_str(),
                        a.name.en.as_deref().unwrap_or(a.name.ru.as_str()),
                    )
                });
            problems.push(problem!(
                at = "signal.form",
                "intake_form_missing",
                "signal.form: обращение регистрируется по форме «{ru}» — заполните её",
                "signal.form: a request is registered on the form “{en}” — fill it in"
            ));
        }
        (None, Some(_)) => problems.push(problem!(
            at = "signal.form",
            "intake_form_not_used",
            "signal.form: вариант технологии не предусматривает формы обращения",
            "signal.form: the method variant has no intake form"
        )),
        (None, None) => {}
    }
    let triage = triage::evaluate(variant, &input.triage);
    let triage = match triage {
        Ok(triage) => Some(triage),
        Err(mut errors) => {
            problems.append(&mut errors);
            None
        }
    };
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let triage = triage.unwrap_or_default();

    let tx = runtime.begin().await?;
    if let Some(key) = idempotency_key
        && let Some(existing) = idempotency::find(&tx, actor.user, key, "register_signal").await?
    {
        let signal = signals::get(&tx, existing).await?;
        tx.rollback().await?;
        return Ok(signal);
    }
    let signal = signals::insert(
        &tx,
        NewSignal {
            id: Uuid::now_v7(),
            received_at: input.received_at,
            source: input.source,
            channel: input.channel,
            requester: input.requester,
            subject: input.subject,
            parents: input.parents,
            grounds: input.grounds,
            follow_up: input.follow_up,
            taken_by: actor.user,
            risk_band: triage.risk_band(),
            triage: Some(triage.to_json()),
            form: input.form,
        },
    )
    .await?;
    if let Some(key) = idempotency_key {
        idempotency::remember(&tx, actor.user, key, "register_signal", signal.id).await?;
    }
    audit::record(
        &tx,
        actor,
        Audit::created("signal.register", "signal", signal.id, &signal),
    )
    .await?;
    tx.commit().await?;
    Ok(signal)
}

/// What deciding on a signal produced.
pub struct Decided {
    pub signal: SignalRow,
    pub case_id: Option<Uuid>,
}

/// Decides on a signal. Accepting it starts a case at the variant's first stage with the
/// registration recorded as its first step, so the variant's deadlines count from the signal.
#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, signal = %id))]
pub async fn decide(
    runtime: &TenantRuntime,
    actor: &Actor,
    id: Uuid,
    expected_version: i32,
    decision: SignalDecision,
    decided_at: DateTime<Utc>,
) -> CaseworkResult<Decided> {
    actor.require_intake()?;
    let problems = decision.problems();
    if !problems.is_empty() {
        return Err(CaseworkError::Rejected(problems));
    }
    let variant = runtime.current_variant()?;
    let tx = runtime.begin().await?;
    let before = signals::get(&tx, id).await?;
    let allowed = &variant.doc().signal_decisions;
    if !allowed.is_empty() && !allowed.iter().any(|k| k == decision.kind()) {
        let allowed = allowed.join(", ");
        return Err(CaseworkError::rejected(problem!(
            at = "decision.kind",
            "signal_decision_not_used",
            "decision.kind: такого решения по сигналу вариант технологии не предусматривает; возможны: {allowed}",
            "decision.kind: the method variant takes no such decision on a signal; it takes: {allowed}"
        )));
    }
    if before.version != expected_version {
        return Err(CaseworkError::Stale {
            current: before.version,
        });
    }
    if before.status != "new" {
        let status = &before.status;
        return Err(CaseworkError::rejected(problem!(
            "signal_already_decided",
            "решение по сигналу уже принято: {status}",
            "the signal has already been decided: {status}"
        )));
    }

    let mut case_id = None;
    if let SignalDecision::Accept { family } = &decision {
        // The child may have come of the variant's age limit since the request was registered.
        if let Some(problem) = age_problem(
            variant,
            &before.subject,
            "signal.subject",
            decided_at,
            false,
        ) {
            return Err(CaseworkError::rejected(problem));
        }
        let first_stage = variant
            .stages()
            .first()
            .ok_or_else(|| CaseworkError::Variant("variant has no stages".into()))?;
        let mut attributes = serde_json::Map::new();
        if let Some(triage) = before
            .triage
            .as_ref()
            .and_then(|t| t.get("attributes"))
            .and_then(Value::as_object)
        {
            attributes.extend(triage.clone());
        }
        let case = cases::insert(
            &tx,
            NewCase {
                id: Uuid::now_v7(),
                signal_id: Some(before.id),
                family: family.clone(),
                variant_key: variant.key().to_owned(),
                variant_version: i32::try_from(variant.version()).unwrap_or(1),
                status: crate::steps::initial_status(variant).into(),
                stage: first_stage.key.clone(),
                curator_id: None,
                attributes: Value::Object(attributes.clone()),
                opened_at: before.received_at,
                parent_case_id: None,
            },
        )
        .await?;
        cases::append_record(
            &tx,
            NewRecord::new(
                case.id,
                kind::STAGE,
                first_stage.key.clone(),
                before.received_at,
                actor.user,
            ),
        )
        .await?;
        // What the triage found is known from the moment the request was registered.
        crate::attribute_events::record(
            &tx,
            variant,
            case.id,
            &Default::default(),
            &crate::attribute_events::strings(&attributes),
            before.received_at,
            kurator_domain::UserId(before.taken_by),
        )
        .await?;
        // The registration is the first step of the first stage.
        if let Some(step) = first_stage.steps.first() {
            cases::append_record(
                &tx,
                NewRecord::new(
                    case.id,
                    kind::STEP,
                    step.key.clone(),
                    before.received_at,
                    kurator_domain::UserId(before.taken_by),
                )
                .with(json!({ "signal": before.id })),
            )
            .await?;
            // The intake form the signal was registered on is the case's first document.
            if let (Some(form), Some(content)) = (&variant.doc().intake_form, &before.form)
                && step.produces.contains(form)
            {
                cases::append_record(
                    &tx,
                    NewRecord::new(
                        case.id,
                        kind::ARTEFACT,
                        form.clone(),
                        before.received_at,
                        kurator_domain::UserId(before.taken_by),
                    )
                    .with(content.clone()),
                )
                .await?;
            }
            if let Some(event) = &step.completes {
                cases::append_record(
                    &tx,
                    NewRecord::new(
                        case.id,
                        kind::EVENT,
                        event.clone(),
                        before.received_at,
                        kurator_domain::UserId(before.taken_by),
                    ),
                )
                .await?;
            }
        }
        let first_completes = first_stage
            .steps
            .first()
            .and_then(|s| s.completes.as_deref());
        let intake_event = variant.doc().intake_event.as_deref();
        if let Some(event) = intake_event.filter(|e| Some(*e) != first_completes) {
            cases::append_record(
                &tx,
                NewRecord::new(
                    case.id,
                    kind::EVENT,
                    event.to_owned(),
                    before.received_at,
                    kurator_domain::UserId(before.taken_by),
                )
                .with(json!({ "signal": before.id })),
            )
            .await?;
        }
        if !actor.is_lead() {
            // Whoever took the case in keeps access to it until a curator is assigned.
            cases::add_member(&tx, case.id, actor.user, "intake").await?;
        }
        audit::record(
            &tx,
            actor,
            Audit::created("case.open_from_signal", "case", case.id, &case),
        )
        .await?;
        case_id = Some(case.id);
    }

    let record = json!({
        "decision": decision,
        "decided_by": actor.user,
        "decided_at": decided_at,
    });
    let after = signals::decide(
        &tx,
        id,
        expected_version,
        decision.status(),
        record,
        case_id,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Audit::changed("signal.decide", "signal", id, &before, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(Decided {
        signal: after,
        case_id,
    })
}

#[derive(Debug, Default, Clone)]
pub struct JournalQuery {
    pub journal: Option<Journal>,
    pub statuses: Vec<String>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    /// At most this many entries (default 100, at most 500).
    pub first: Option<i64>,
    /// The id of the last entry the client has: the page continues behind it, newest first.
    pub after: Option<Uuid>,
}

#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug))]
pub async fn journal(
    runtime: &TenantRuntime,
    actor: &Actor,
    query: JournalQuery,
) -> CaseworkResult<Vec<SignalRow>> {
    actor.require_intake()?;
    let mut statuses = query.journal.map(Journal::statuses).unwrap_or_default();
    statuses.extend(query.statuses);
    let limit = crate::cases::page_size(query.first, 100)?;
    let tx = runtime.read().await?;
    let after = match query.after {
        Some(id) => {
            let seen = signals::get(&tx, id)
                .await
                .map_err(|_| crate::cases::unknown_cursor())?;
            Some((seen.received_at, seen.id))
        }
        None => None,
    };
    let rows = signals::list(
        &tx,
        &SignalFilter {
            statuses,
            received_from: query.received_from,
            received_to: query.received_to,
            after,
            limit: Some(limit),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}

#[tracing::instrument(skip_all, fields(tenant = %runtime.tenant().slug, signal = %id))]
pub async fn get(runtime: &TenantRuntime, actor: &Actor, id: Uuid) -> CaseworkResult<SignalRow> {
    actor.require_intake()?;
    let tx = runtime.read().await?;
    let row = signals::get(&tx, id).await?;
    tx.commit().await?;
    Ok(row)
}
