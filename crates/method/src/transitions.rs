//! What can happen next in a case and what it needs: steps of the current stage and transitions
//! out of it, each checked against roles, required artefacts, consents, decisions and stage
//! minimum durations; the closure checklist; and reopening in the two ways the presets need.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Variant;
use crate::calendar::Calendar;
use crate::obligations::CaseFacts;
use crate::problem::{Language, Problem};
use crate::schema::{ClosureMode, DecisionRequirement, ReopeningMode, Step, Text, TransitionKind};
use crate::vocabulary::Phase;

/// Where a case stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    pub stage: String,
    pub stage_entered_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    /// Steps done in the current stay in the current stage (and earlier stages).
    #[serde(default)]
    pub completed_steps: BTreeSet<String>,
    /// Artefacts the case file holds (forms, reports, contracts, plans…).
    #[serde(default)]
    pub artefacts: BTreeSet<String>,
    /// Signed consents.
    #[serde(default)]
    pub consents: BTreeSet<String>,
    /// Decisions taken: decision key → outcome.
    #[serde(default)]
    pub decisions: BTreeMap<String, String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Norms (guidelines) a person in the named role has acknowledged for this case, e.g.
    /// `case_duration` when the fund's senior curator lets a case close before 3 months.
    #[serde(default)]
    pub acknowledged: BTreeSet<String>,
}

impl CaseState {
    pub fn at(stage: &str) -> Self {
        CaseState {
            stage: stage.to_string(),
            stage_entered_at: None,
            opened_at: None,
            completed_steps: BTreeSet::new(),
            artefacts: BTreeSet::new(),
            consents: BTreeSet::new(),
            decisions: BTreeMap::new(),
            attributes: BTreeMap::new(),
            acknowledged: BTreeSet::new(),
        }
    }
}

/// What the actor brings along with the action.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Provided {
    #[serde(default)]
    pub artefacts: BTreeSet<String>,
    #[serde(default)]
    pub consents: BTreeSet<String>,
    #[serde(default)]
    pub decisions: BTreeMap<String, String>,
    /// Norms the actor acknowledges with this action (`case_duration`).
    #[serde(default)]
    pub acknowledged: BTreeSet<String>,
    /// Closure criteria and alternative grounds the actor confirms (closing transitions).
    #[serde(default)]
    pub confirmed: BTreeSet<String>,
}

impl Provided {
    pub fn artefact(mut self, k: &str) -> Self {
        self.artefacts.insert(k.into());
        self
    }
    pub fn consent(mut self, k: &str) -> Self {
        self.consents.insert(k.into());
        self
    }
    pub fn decision(mut self, k: &str, outcome: &str) -> Self {
        self.decisions.insert(k.into(), outcome.into());
        self
    }
    pub fn acknowledge(mut self, norm: &str) -> Self {
        self.acknowledged.insert(norm.into());
        self
    }
    pub fn confirm(mut self, k: &str) -> Self {
        self.confirmed.insert(k.into());
        self
    }
}

/// The norm key a person acknowledges to close a case before the variant's minimum duration.
pub const CASE_DURATION_NORM: &str = "case_duration";

/// Why an action cannot be taken now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum StepRejection {
    UnknownStep {
        step: String,
    },
    UnknownStage {
        stage: String,
    },
    NotInCurrentStage {
        step: String,
        stage: String,
        current: String,
    },
    NotApplicable {
        step: String,
        attribute: String,
    },
    AlreadyDone {
        step: String,
    },
    RoleNotAllowed {
        role: String,
        allowed: Vec<String>,
    },
    PrerequisiteMissing {
        step: String,
    },
    MissingArtefact {
        artefact: String,
    },
    MissingConsent {
        consent: String,
    },
    MissingDecision {
        decision: String,
    },
    WrongDecisionOutcome {
        decision: String,
        required: String,
        actual: String,
    },
    NoTransition {
        from: String,
        to: String,
    },
    StepsNotDone {
        steps: Vec<String>,
    },
    StageTooShort {
        stage: String,
        until: DateTime<Utc>,
    },
    CaseTooShort {
        until: DateTime<Utc>,
    },
    /// The minimum is a guideline: a person in `role` may acknowledge it and go on.
    NeedsAcknowledgement {
        norm: String,
        role: String,
        until: DateTime<Utc>,
    },
    /// A closing path on an alternative ground whose ground was not confirmed.
    GroundNotConfirmed {
        ground: String,
    },
    /// A closing or refusal transition, which only `closeCase` or `declineCase` take.
    EndsCase {
        to: String,
    },
    ConditionNotMet {
        attribute: String,
        expected: Vec<String>,
    },
}

impl StepRejection {
    /// Every code [`StepRejection::code`] can return: the API's stable vocabulary for what is
    /// missing.
    pub const CODES: [&'static str; 19] = [
        "unknown_step",
        "unknown_stage",
        "not_in_current_stage",
        "not_applicable",
        "already_done",
        "role_not_allowed",
        "prerequisite_missing",
        "missing_artefact",
        "missing_consent",
        "missing_decision",
        "wrong_decision_outcome",
        "no_transition",
        "steps_not_done",
        "stage_too_short",
        "case_too_short",
        "condition_not_met",
        "needs_acknowledgement",
        "ground_not_confirmed",
        "ends_case",
    ];

    /// A stable code clients match on, e.g. `missing_decision` (the same as the serialised tag).
    pub fn code(&self) -> &'static str {
        match self {
            StepRejection::UnknownStep { .. } => "unknown_step",
            StepRejection::UnknownStage { .. } => "unknown_stage",
            StepRejection::NotInCurrentStage { .. } => "not_in_current_stage",
            StepRejection::NotApplicable { .. } => "not_applicable",
            StepRejection::AlreadyDone { .. } => "already_done",
            StepRejection::RoleNotAllowed { .. } => "role_not_allowed",
            StepRejection::PrerequisiteMissing { .. } => "prerequisite_missing",
            StepRejection::MissingArtefact { .. } => "missing_artefact",
            StepRejection::MissingConsent { .. } => "missing_consent",
            StepRejection::MissingDecision { .. } => "missing_decision",
            StepRejection::WrongDecisionOutcome { .. } => "wrong_decision_outcome",
            StepRejection::NoTransition { .. } => "no_transition",
            StepRejection::StepsNotDone { .. } => "steps_not_done",
            StepRejection::StageTooShort { .. } => "stage_too_short",
            StepRejection::CaseTooShort { .. } => "case_too_short",
            StepRejection::ConditionNotMet { .. } => "condition_not_met",
            StepRejection::NeedsAcknowledgement { .. } => "needs_acknowledgement",
            StepRejection::GroundNotConfirmed { .. } => "ground_not_confirmed",
            StepRejection::EndsCase { .. } => "ends_case",
        }
    }

    /// A sentence for the user, in Russian, naming things by their keys.
    pub fn message(&self) -> String {
        self.render(&Names(None, Language::Ru))
    }

    /// A sentence for the user, in Russian, naming steps, stages, roles, documents, decisions and
    /// attributes by the names `variant` gives them, and moments in its time zone.
    pub fn describe(&self, variant: &Variant) -> String {
        self.render(&Names(Some(variant), Language::Ru))
    }

    /// The same sentence in `language`; things are named by the variant's names in that language
    /// (Russian ones where the variant gives no translation), or by their keys without a variant.
    pub fn describe_in(&self, variant: Option<&Variant>, language: Language) -> String {
        self.render(&Names(variant, language))
    }

    /// The rejection as an API problem, in both languages.
    pub fn problem(&self, variant: Option<&Variant>) -> Problem {
        let problem = Problem::new(
            self.code(),
            self.describe_in(variant, Language::Ru),
            self.describe_in(variant, Language::En),
        );
        match self {
            StepRejection::UnknownStep { .. } => problem.at("step"),
            StepRejection::RoleNotAllowed { .. } => problem.at("actingAs"),
            StepRejection::MissingDecision { decision }
            | StepRejection::WrongDecisionOutcome { decision, .. } => {
                problem.at(format!("decisions.{decision}"))
            }
            StepRejection::MissingArtefact { .. } => problem.at("artefacts"),
            StepRejection::MissingConsent { .. } => problem.at("consents"),
            StepRejection::NeedsAcknowledgement { .. } => problem.at("acknowledged"),
            StepRejection::GroundNotConfirmed { .. } => problem.at("confirmed"),
            _ => problem,
        }
    }

    fn render(&self, n: &Names<'_>) -> String {
        match n.1 {
            Language::Ru => self.render_ru(n),
            Language::En => self.render_en(n),
        }
    }

    fn render_ru(&self, n: &Names<'_>) -> String {
        match self {
            StepRejection::UnknownStep { step } => format!("неизвестный шаг «{step}»"),
            StepRejection::UnknownStage { stage } => format!("неизвестный этап «{stage}»"),
            StepRejection::NotInCurrentStage {
                step,
                stage,
                current,
            } => format!(
                "шаг «{}» относится к этапу «{}», а случай на этапе «{}»",
                n.step(step),
                n.stage(stage),
                n.stage(current)
            ),
            StepRejection::NotApplicable { step, attribute } => format!(
                "шаг «{}» не применяется к этому случаю (по признаку «{}»)",
                n.step(step),
                n.attribute(attribute)
            ),
            StepRejection::AlreadyDone { step } => format!("шаг «{}» уже выполнен", n.step(step)),
            StepRejection::RoleNotAllowed { role, allowed } => format!(
                "роль «{}» не может выполнить это действие; могут: {}",
                n.role(role),
                n.list(allowed, Names::role)
            ),
            StepRejection::PrerequisiteMissing { step } => {
                format!("сначала нужно выполнить шаг «{}»", n.step(step))
            }
            StepRejection::MissingArtefact { artefact } => {
                format!("нет документа «{}»", n.artefact(artefact))
            }
            StepRejection::MissingConsent { consent } => {
                format!("нет согласия «{}»", n.artefact(consent))
            }
            StepRejection::MissingDecision { decision } => {
                format!("нет решения «{}»", n.decision(decision))
            }
            StepRejection::WrongDecisionOutcome {
                decision,
                required,
                actual,
            } => format!(
                "решение «{}»: нужно «{required}», принято «{actual}»",
                n.decision(decision)
            ),
            StepRejection::NoTransition { from, to } => {
                format!(
                    "из этапа «{}» нельзя перейти в «{}»",
                    n.stage(from),
                    n.stage(to)
                )
            }
            StepRejection::StepsNotDone { steps } => match n.0 {
                None => format!("не выполнены обязательные шаги: {}", steps.join(", ")),
                Some(_) => format!(
                    "не выполнены обязательные шаги: {}",
                    steps
                        .iter()
                        .map(|s| format!("«{}»", n.step(s)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            StepRejection::StageTooShort { stage, until } => format!(
                "этап «{}» длится меньше минимального срока: до {}",
                n.stage(stage),
                n.moment(until)
            ),
            StepRejection::CaseTooShort { until } => {
                format!(
                    "случай ведётся меньше минимального срока: до {}",
                    n.moment(until)
                )
            }
            StepRejection::NeedsAcknowledgement { norm, role, until } => format!(
                "норматив «{norm}» не выполнен (до {}): продолжить можно, если это подтвердит роль «{}»",
                n.moment(until),
                n.role(role)
            ),
            StepRejection::GroundNotConfirmed { ground } => {
                format!("основание закрытия «{ground}» не подтверждено")
            }
            StepRejection::EndsCase { to } => format!(
                "переход в «{}» завершает случай: он делается закрытием (closeCase) или отказом (declineCase)",
                n.stage(to)
            ),
            StepRejection::ConditionNotMet {
                attribute,
                expected,
            } => format!(
                "признак «{}» должен быть одним из: {}",
                n.attribute(attribute),
                expected.join(", ")
            ),
        }
    }
    fn render_en(&self, n: &Names<'_>) -> String {
        match self {
            StepRejection::UnknownStep { step } => format!("unknown step “{step}”"),
            StepRejection::UnknownStage { stage } => format!("unknown stage “{stage}”"),
            StepRejection::NotInCurrentStage {
                step,
                stage,
                current,
            } => format!(
                "step “{}” belongs to stage “{}”, but the case is at stage “{}”",
                n.step(step),
                n.stage(stage),
                n.stage(current)
            ),
            StepRejection::NotApplicable { step, attribute } => format!(
                "step “{}” does not apply to this case (by attribute “{}”)",
                n.step(step),
                n.attribute(attribute)
            ),
            StepRejection::AlreadyDone { step } => {
                format!("step “{}” is already done", n.step(step))
            }
            StepRejection::RoleNotAllowed { role, allowed } => format!(
                "role “{}” may not do this; allowed: {}",
                n.role(role),
                n.list(allowed, Names::role)
            ),
            StepRejection::PrerequisiteMissing { step } => {
                format!("step “{}” must be done first", n.step(step))
            }
            StepRejection::MissingArtefact { artefact } => {
                format!("document “{}” is missing", n.artefact(artefact))
            }
            StepRejection::MissingConsent { consent } => {
                format!("consent “{}” is missing", n.artefact(consent))
            }
            StepRejection::MissingDecision { decision } => {
                format!("decision “{}” is missing", n.decision(decision))
            }
            StepRejection::WrongDecisionOutcome {
                decision,
                required,
                actual,
            } => format!(
                "decision “{}”: “{required}” is required, “{actual}” was taken",
                n.decision(decision)
            ),
            StepRejection::NoTransition { from, to } => format!(
                "cannot move from stage “{}” to “{}”",
                n.stage(from),
                n.stage(to)
            ),
            StepRejection::StepsNotDone { steps } => match n.0 {
                None => format!("required steps are not done: {}", steps.join(", ")),
                Some(_) => format!(
                    "required steps are not done: {}",
                    steps
                        .iter()
                        .map(|s| format!("“{}”", n.step(s)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            StepRejection::StageTooShort { stage, until } => format!(
                "stage “{}” has lasted less than its minimum: until {}",
                n.stage(stage),
                n.moment(until)
            ),
            StepRejection::CaseTooShort { until } => format!(
                "the case has run for less than its minimum: until {}",
                n.moment(until)
            ),
            StepRejection::NeedsAcknowledgement { norm, role, until } => format!(
                "norm “{norm}” is not met (until {}): you may go on if role “{}” acknowledges it",
                n.moment(until),
                n.role(role)
            ),
            StepRejection::GroundNotConfirmed { ground } => {
                format!("closure ground “{ground}” is not confirmed")
            }
            StepRejection::EndsCase { to } => format!(
                "moving to “{}” ends the case: it is done by closing (closeCase) or refusing (declineCase)",
                n.stage(to)
            ),
            StepRejection::ConditionNotMet {
                attribute,
                expected,
            } => format!(
                "attribute “{}” must be one of: {}",
                n.attribute(attribute),
                expected.join(", ")
            ),
        }
    }
}

/// How a rejection names things: by key, or by the names a variant gives them in a language.
struct Names<'v>(Option<&'v Variant>, Language);

impl Names<'_> {
    fn or_key(&self, key: &str, name: Option<&Text>) -> String {
        match (self.0, name) {
            (Some(_), Some(text)) => text.in_language(self.1).to_owned(),
            _ => key.to_string(),
        }
    }
    fn step(&self, key: &str) -> String {
        self.or_key(key, self.0.and_then(|v| v.step(key)).map(|(_, s)| &s.name))
    }
    fn stage(&self, key: &str) -> String {
        self.or_key(key, self.0.and_then(|v| v.stage(key)).map(|s| &s.name))
    }
    fn role(&self, key: &str) -> String {
        self.or_key(key, self.0.and_then(|v| v.role(key)).map(|r| &r.name))
    }
    fn artefact(&self, key: &str) -> String {
        self.or_key(key, self.0.and_then(|v| v.artefact(key)).map(|a| &a.name))
    }
    fn decision(&self, key: &str) -> String {
        self.or_key(key, self.0.and_then(|v| v.decision(key)).map(|d| &d.name))
    }
    /// A declared attribute, a classification or a score table.
    fn attribute(&self, key: &str) -> String {
        let name = self.0.and_then(|v| {
            let doc = v.doc();
            doc.attributes
                .iter()
                .find(|a| a.key == key)
                .map(|a| &a.name)
                .or_else(|| v.classification(key).map(|c| &c.name))
                .or_else(|| v.score_table(key).map(|t| &t.name))
        });
        self.or_key(key, name)
    }
    fn list(&self, keys: &[String], name: fn(&Self, &str) -> String) -> String {
        keys.iter()
            .map(|k| name(self, k))
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// A moment: UTC by key, local date and time by the variant's time zone.
    fn moment(&self, at: &DateTime<Utc>) -> String {
        match self.0 {
            None => at.to_string(),
            Some(v) => at
                .with_timezone(&v.time_zone())
                .format("%d.%m.%Y %H:%M")
                .to_string(),
        }
    }
}

/// What doing a step records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepOutcome {
    pub step: String,
    /// The event to record (it meets the step's deadline).
    pub records_event: Option<String>,
    pub produces: Vec<String>,
    pub journal: Option<String>,
    /// Every required step of the stage is done after this one.
    pub stage_complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionOutcome {
    pub from: String,
    pub to: String,
    pub kind: TransitionKind,
}

fn role_ok(roles: &[String], role: &str, out: &mut Vec<StepRejection>) {
    if !roles.is_empty() && !roles.iter().any(|r| r == role) {
        out.push(StepRejection::RoleNotAllowed {
            role: role.to_string(),
            allowed: roles.to_vec(),
        });
    }
}

fn needs(
    state: &CaseState,
    provided: &Provided,
    artefacts: &[String],
    consents: &[String],
    decision: Option<&DecisionRequirement>,
    out: &mut Vec<StepRejection>,
) {
    for a in artefacts {
        if !state.artefacts.contains(a) && !provided.artefacts.contains(a) {
            out.push(StepRejection::MissingArtefact {
                artefact: a.clone(),
            });
        }
    }
    for c in consents {
        if !state.consents.contains(c) && !provided.consents.contains(c) {
            out.push(StepRejection::MissingConsent { consent: c.clone() });
        }
    }
    if let Some(req) = decision {
        match provided
            .decisions
            .get(&req.decision)
            .or_else(|| state.decisions.get(&req.decision))
        {
            None => out.push(StepRejection::MissingDecision {
                decision: req.decision.clone(),
            }),
            Some(actual) => {
                if let Some(required) = &req.outcome
                    && required != actual
                {
                    out.push(StepRejection::WrongDecisionOutcome {
                        decision: req.decision.clone(),
                        required: required.clone(),
                        actual: actual.clone(),
                    });
                }
            }
        }
    }
}

/// Whether a step's `when` condition holds for the case (a step without one always applies).
pub(crate) fn applies(step: &Step, state: &CaseState) -> bool {
    step.when.as_ref().is_none_or(|c| {
        state
            .attributes
            .get(&c.attribute)
            .is_some_and(|v| c.any_of.contains(v))
    })
}

/// Checks whether `role` may do `step` now, and says exactly what is missing if not.
pub fn check_step(
    variant: &Variant,
    state: &CaseState,
    step: &str,
    role: &str,
    provided: &Provided,
) -> Result<StepOutcome, Vec<StepRejection>> {
    let Some((stage, s)) = variant.step(step) else {
        return Err(vec![StepRejection::UnknownStep {
            step: step.to_string(),
        }]);
    };
    let mut out = Vec::new();
    if stage.key != state.stage {
        out.push(StepRejection::NotInCurrentStage {
            step: step.to_string(),
            stage: stage.key.clone(),
            current: state.stage.clone(),
        });
    }
    if let Some(c) = &s.when
        && !applies(s, state)
    {
        out.push(StepRejection::NotApplicable {
            step: step.to_string(),
            attribute: c.attribute.clone(),
        });
    }
    if state.completed_steps.contains(step) && !s.repeatable {
        out.push(StepRejection::AlreadyDone {
            step: step.to_string(),
        });
    }
    role_ok(&s.roles, role, &mut out);
    for a in &s.after {
        if !state.completed_steps.contains(a) {
            out.push(StepRejection::PrerequisiteMissing { step: a.clone() });
        }
    }
    // done again, a repeatable step needs its documents and decision anew (each meeting its own)
    let again = (s.repeatable && state.completed_steps.contains(step)).then(|| CaseState {
        artefacts: BTreeSet::new(),
        decisions: BTreeMap::new(),
        ..state.clone()
    });
    needs(
        again.as_ref().unwrap_or(state),
        provided,
        &s.requires_artefacts,
        &s.requires_consents,
        s.requires_decision.as_ref(),
        &mut out,
    );
    if !out.is_empty() {
        return Err(out);
    }
    let stage_complete = stage
        .steps
        .iter()
        .filter(|x| !x.optional && applies(x, state))
        .all(|x| x.key == s.key || state.completed_steps.contains(&x.key));
    Ok(StepOutcome {
        step: s.key.clone(),
        records_event: s.completes.clone(),
        produces: s.produces.clone(),
        journal: s.journal.clone(),
        stage_complete,
    })
}

/// Required steps of the current stage not yet done.
pub fn missing_steps(variant: &Variant, state: &CaseState) -> Vec<String> {
    variant
        .stage(&state.stage)
        .map(|st| {
            st.steps
                .iter()
                .filter(|x| {
                    !x.optional && applies(x, state) && !state.completed_steps.contains(&x.key)
                })
                .map(|x| x.key.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether every transition from `from` to `to` closes the case or refuses it — such moves are
/// taken only by `closeCase` and `declineCase`, never as an ordinary move.
pub fn ends_case(variant: &Variant, from: &str, to: &str) -> bool {
    let mut joining = variant
        .doc()
        .transitions
        .iter()
        .filter(|t| t.from == from && t.to == to)
        .peekable();
    joining.peek().is_some() && joining.all(|t| t.kind.ends_case())
}

/// Checks a move from the current stage to `to`. `now` and the calendar check minimum durations.
pub fn check_transition(
    variant: &Variant,
    state: &CaseState,
    to: &str,
    role: &str,
    provided: &Provided,
    now: DateTime<Utc>,
    cal: &Calendar,
) -> Result<TransitionOutcome, Vec<StepRejection>> {
    if variant.stage(to).is_none() {
        return Err(vec![StepRejection::UnknownStage {
            stage: to.to_string(),
        }]);
    }
    let candidates: Vec<_> = variant
        .doc()
        .transitions
        .iter()
        .filter(|t| t.from == state.stage && t.to == to)
        .collect();
    if candidates.is_empty() {
        return Err(vec![StepRejection::NoTransition {
            from: state.stage.clone(),
            to: to.to_string(),
        }]);
    }
    // several transitions may join the same stages (e.g. by risk level); any one that passes will do
    let mut best: Option<((bool, usize), Vec<StepRejection>)> = None;
    for t in candidates {
        let mut out = Vec::new();
        if let Some(c) = &t.when
            && !state
                .attributes
                .get(&c.attribute)
                .is_some_and(|v| c.any_of.contains(v))
        {
            out.push(StepRejection::ConditionNotMet {
                attribute: c.attribute.clone(),
                expected: c.any_of.clone(),
            });
        }
        role_ok(&t.roles, role, &mut out);
        needs(
            state,
            provided,
            &t.requires_artefacts,
            &t.requires_consents,
            t.requires_decision.as_ref(),
            &mut out,
        );
        if t.requires_steps {
            let missing = missing_steps(variant, state);
            if !missing.is_empty() {
                out.push(StepRejection::StepsNotDone { steps: missing });
            }
        }
        if let (Some(min), Some(entered)) = (
            variant
                .stage(&state.stage)
                .and_then(|s| s.duration.as_ref())
                .and_then(|d| d.min.as_ref()),
            state.stage_entered_at,
        ) {
            let until = cal.add_span(entered, min);
            if now < until {
                out.push(StepRejection::StageTooShort {
                    stage: state.stage.clone(),
                    until,
                });
            }
        }
        if let Some(ground) = &t.ground
            && !provided.confirmed.contains(ground)
        {
            out.push(StepRejection::GroundNotConfirmed {
                ground: ground.clone(),
            });
        }
        let into_closure = variant
            .stage(to)
            .and_then(|s| s.phase.as_deref())
            .and_then(Phase::parse)
            == Some(Phase::Closure);
        // The minimum duration holds on the way into closure and on the closing move itself,
        // except for exits and closure on an alternative ground (e.g. contract terminated).
        let duration_applies = (into_closure || t.kind == TransitionKind::Closing)
            && t.kind != TransitionKind::Exit
            && t.kind != TransitionKind::Refusal
            && t.ground.is_none();
        if duration_applies
            && let Some(bounds) = variant.doc().case_duration.as_ref()
            && let (Some(min), Some(opened)) = (bounds.min.as_ref(), state.opened_at)
        {
            let until = cal.add_span(opened, min);
            if now < until {
                match &bounds.acknowledged_by {
                    None => out.push(StepRejection::CaseTooShort { until }),
                    Some(by) => {
                        let acknowledged = state.acknowledged.contains(CASE_DURATION_NORM)
                            || (role == by && provided.acknowledged.contains(CASE_DURATION_NORM));
                        if !acknowledged {
                            out.push(StepRejection::NeedsAcknowledgement {
                                norm: CASE_DURATION_NORM.into(),
                                role: by.clone(),
                                until,
                            });
                        }
                    }
                }
            }
        }
        if out.is_empty() {
            return Ok(TransitionOutcome {
                from: t.from.clone(),
                to: t.to.clone(),
                kind: t.kind,
            });
        }
        // Report the candidate closest to passing, preferring those whose condition holds.
        let condition_failed = matches!(out.first(), Some(StepRejection::ConditionNotMet { .. }));
        let rank = (condition_failed, out.len());
        if best.as_ref().is_none_or(|(r, _)| rank < *r) {
            best = Some((rank, out));
        }
    }
    Err(best.map(|(_, out)| out).unwrap_or_default())
}

/// One possible next action and what it still lacks (empty: it can be done now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Available {
    pub action: String,
    pub missing: Vec<StepRejection>,
}

/// Steps and transitions open from the current state, each with what is still missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextActions {
    pub steps: Vec<Available>,
    pub transitions: Vec<Available>,
}

/// What can happen next for `role`.
pub fn next_actions(
    variant: &Variant,
    state: &CaseState,
    role: &str,
    now: DateTime<Utc>,
    cal: &Calendar,
) -> NextActions {
    let none = Provided::default();
    let steps = variant
        .stage(&state.stage)
        .map(|st| {
            st.steps
                .iter()
                .filter(|s| {
                    applies(s, state) && (s.repeatable || !state.completed_steps.contains(&s.key))
                })
                .map(|s| Available {
                    action: s.key.clone(),
                    missing: check_step(variant, state, &s.key, role, &none)
                        .err()
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut targets: Vec<&str> = variant
        .doc()
        .transitions
        .iter()
        .filter(|t| t.from == state.stage)
        .map(|t| t.to.as_str())
        .collect();
    targets.dedup();
    let transitions = targets
        .into_iter()
        .map(|to| Available {
            action: to.to_string(),
            missing: check_transition(variant, state, to, role, &none, now, cal)
                .err()
                .unwrap_or_default(),
        })
        .collect();
    NextActions { steps, transitions }
}

/// The closure checklist evaluated for one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureCheck {
    /// Closure is allowed (always true in advisory mode).
    pub allowed: bool,
    pub advisory: bool,
    pub met: Vec<String>,
    pub missing: Vec<String>,
    /// The alternative ground that allows closure on its own, if one is met.
    pub alternative: Option<String>,
}

/// Evaluates the closure criteria: `confirmed` are those a person ticked; criteria with a `quiet`
/// rule are checked from the facts (no such event for the period up to `now`).
pub fn closure_check(
    variant: &Variant,
    confirmed: &BTreeSet<String>,
    facts: Option<&CaseFacts>,
    now: DateTime<Utc>,
    cal: &Calendar,
) -> ClosureCheck {
    let Some(c) = &variant.doc().closure else {
        return ClosureCheck {
            allowed: true,
            advisory: true,
            met: vec![],
            missing: vec![],
            alternative: None,
        };
    };
    let mut met = Vec::new();
    let mut missing = Vec::new();
    for k in &c.criteria {
        let ok = match (&k.quiet, facts) {
            (Some(q), Some(f)) => {
                let since = f.latest(&q.event, now).unwrap_or(f.opened_at);
                cal.add_span(since, &q.for_at_least) <= now
            }
            _ => confirmed.contains(&k.key),
        };
        if ok {
            met.push(k.key.clone())
        } else {
            missing.push(k.key.clone())
        }
    }
    let alternative = c
        .alternatives
        .iter()
        .find(|a| confirmed.contains(&a.key))
        .map(|a| a.key.clone());
    let advisory = c.mode == ClosureMode::Advisory;
    ClosureCheck {
        allowed: advisory || missing.is_empty() || alternative.is_some(),
        advisory,
        met,
        missing,
        alternative,
    }
}

/// The result of reopening a closed case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reopened {
    pub mode: ReopeningMode,
    /// A new case is opened (fund); otherwise the same case continues (clinic).
    pub new_case: bool,
    pub state: CaseState,
}

/// Reopens a case after relapse or regression, the way the variant says; `None` if the variant
/// does not reopen cases.
pub fn reopen(variant: &Variant, closed: &CaseState, now: DateTime<Utc>) -> Option<Reopened> {
    let r = variant.doc().reopening.as_ref()?;
    let mut state = CaseState::at(&r.restart_stage);
    state.stage_entered_at = Some(now);
    state.attributes = closed.attributes.clone();
    // documents always stay with the family: inherited by the new case, or kept in the same file
    state.artefacts = closed.artefacts.clone();
    state.consents = closed.consents.clone();
    let new_case = r.mode == ReopeningMode::NewCaseInheritsDocuments;
    state.opened_at = if new_case {
        Some(now)
    } else {
        closed.opened_at
    };
    Some(Reopened {
        mode: r.mode,
        new_case,
        state,
    })
}
