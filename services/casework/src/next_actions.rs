//! What can happen next in a case (следующие действия): the steps of its current stage and the
//! moves out of it, each with every requirement still missing — a role that may not do it, steps
//! to do first, documents, consents, decisions, minimum durations — as a stable code, a sentence
//! in Russian and the keys involved, so that a client can show what to do about each.

use crate::actor::Actor;
use crate::case_file::{CaseFile, status};
use crate::error::{CaseworkError, CaseworkResult};
use crate::runtime::TenantRuntime;
use crate::steps::is_post_support_stage;
use chrono::{DateTime, Utc};
use kurator_method::Variant;
use kurator_method::schema::Text;
use kurator_method::transitions::{self, Available, StepRejection};

/// Whether an action is a step of the current stage or a move to another stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Step,
    Transition,
}

/// One thing that can be done next, and what it still lacks (nothing: it can be done now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextAction {
    pub kind: ActionKind,
    /// The step, or the stage the move goes to.
    pub key: String,
    pub name: Text,
    pub missing: Vec<Requirement>,
}

/// Code of the one requirement the method engine does not state itself: a case reaches
/// post-support only by being closed with the closure criteria (`closeCase`).
pub const CLOSURE_REQUIRED: &str = "closure_required";

/// A missing requirement: a stable `code` (one of [`StepRejection::CODES`] or
/// [`CLOSURE_REQUIRED`]), a sentence in Russian, and the keys it is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirement {
    pub code: &'static str,
    pub message: String,
    /// The same in English, for clients that ask for it.
    pub message_en: String,
    pub step: Option<String>,
    pub stage: Option<String>,
    pub current_stage: Option<String>,
    pub role: Option<String>,
    pub allowed_roles: Vec<String>,
    pub artefact: Option<String>,
    pub consent: Option<String>,
    pub decision: Option<String>,
    pub required_outcome: Option<String>,
    pub actual_outcome: Option<String>,
    pub attribute: Option<String>,
    pub expected_values: Vec<String>,
    pub steps: Vec<String>,
    pub until: Option<DateTime<Utc>>,
}

impl Requirement {
    fn from_rejection(rejection: &StepRejection, variant: &Variant) -> Self {
        let base = Requirement {
            code: rejection.code(),
            message: rejection.describe(variant),
            message_en: rejection.describe_in(Some(variant), kurator_method::problem::Language::En),
            ..Requirement::default()
        };
        match rejection.clone() {
            StepRejection::UnknownStep { step }
            | StepRejection::AlreadyDone { step }
            | StepRejection::PrerequisiteMissing { step } => Requirement {
                step: Some(step),
                ..base
            },
            StepRejection::UnknownStage { stage } => Requirement {
                stage: Some(stage),
                ..base
            },
            StepRejection::NotInCurrentStage {
                step,
                stage,
                current,
            } => Requirement {
                step: Some(step),
                stage: Some(stage),
                current_stage: Some(current),
                ..base
            },
            StepRejection::NotApplicable { step, attribute } => Requirement {
                step: Some(step),
                attribute: Some(attribute),
                ..base
            },
            StepRejection::RoleNotAllowed { role, allowed } => Requirement {
                role: Some(role),
                allowed_roles: allowed,
                ..base
            },
            StepRejection::MissingArtefact { artefact } => Requirement {
                artefact: Some(artefact),
                ..base
            },
            StepRejection::MissingConsent { consent } => Requirement {
                consent: Some(consent),
                ..base
            },
            StepRejection::MissingDecision { decision } => Requirement {
                decision: Some(decision),
                ..base
            },
            StepRejection::WrongDecisionOutcome {
                decision,
                required,
                actual,
            } => Requirement {
                decision: Some(decision),
                required_outcome: Some(required),
                actual_outcome: Some(actual),
                ..base
            },
            StepRejection::NoTransition { from, to } => Requirement {
                current_stage: Some(from),
                stage: Some(to),
                ..base
            },
            StepRejection::StepsNotDone { steps } => Requirement { steps, ..base },
            StepRejection::StageTooShort { stage, until } => Requirement {
                stage: Some(stage),
                until: Some(until),
                ..base
            },
            StepRejection::CaseTooShort { until } => Requirement {
                until: Some(until),
                ..base
            },
            StepRejection::ConditionNotMet {
                attribute,
                expected,
            } => Requirement {
                attribute: Some(attribute),
                expected_values: expected,
                ..base
            },
            StepRejection::NeedsAcknowledgement { role, until, .. } => Requirement {
                role: Some(role),
                until: Some(until),
                ..base
            },
            StepRejection::GroundNotConfirmed { .. } => base,
            StepRejection::EndsCase { to } => Requirement {
                stage: Some(to),
                ..base
            },
        }
    }

    fn through_closure(stage: &str) -> Self {
        Requirement {
            code: CLOSURE_REQUIRED,
            message: "в пост-сопровождение случай переходит только через закрытие (closeCase) \
                      с критериями закрытия"
                .into(),
            message_en: "a case moves into post-support only by being closed (closeCase) with the \
                         closure criteria"
                .into(),
            stage: Some(stage.to_owned()),
            ..Requirement::default()
        }
    }
}

fn action(variant: &Variant, from: &str, kind: ActionKind, available: Available) -> NextAction {
    let name = match kind {
        ActionKind::Step => variant.step(&available.action).map(|(_, s)| &s.name),
        ActionKind::Transition => variant.stage(&available.action).map(|s| &s.name),
    };
    let mut missing: Vec<Requirement> = available
        .missing
        .iter()
        .map(|r| Requirement::from_rejection(r, variant))
        .collect();
    if kind == ActionKind::Transition {
        if transitions::ends_case(variant, from, &available.action) {
            // Closing and refusal moves are done by closeCase and declineCase.
            let ends = StepRejection::EndsCase {
                to: available.action.clone(),
            };
            missing.insert(0, Requirement::from_rejection(&ends, variant));
        } else if is_post_support_stage(variant, &available.action) {
            missing.insert(0, Requirement::through_closure(&available.action));
        }
    }
    NextAction {
        kind,
        name: name.cloned().unwrap_or_else(|| Text {
            ru: available.action.clone(),
            ..Text::default()
        }),
        key: available.action,
        missing,
    }
}

/// What can be done next in `file`'s case by someone acting as `acting_as` (a role of the
/// variant the case is pinned to), as the case stands at `as_of`. A closed or declined case has
/// no next actions: it is reopened first (`reopenCase`).
#[tracing::instrument(
    skip_all,
    fields(tenant = %runtime.tenant().slug, case = %file.case.id, acting_as = %acting_as)
)]
pub fn next_actions(
    runtime: &TenantRuntime,
    actor: &Actor,
    file: &CaseFile,
    acting_as: &str,
    as_of: DateTime<Utc>,
) -> CaseworkResult<Vec<NextAction>> {
    actor.case_scope()?;
    let variant = runtime.variant(file.case.variant_version)?;
    if variant.role(acting_as).is_none() {
        return Err(CaseworkError::rejected(crate::staff::unknown_role(
            acting_as,
        )));
    }
    if file.case.status == status::CLOSED || file.case.status == status::DECLINED {
        return Ok(Vec::new());
    }
    let state = file.state(variant);
    let next = transitions::next_actions(variant, &state, acting_as, as_of, &runtime.calendar());
    Ok(next
        .steps
        .into_iter()
        .map(|a| action(variant, &state.stage, ActionKind::Step, a))
        .chain(
            next.transitions
                .into_iter()
                .map(|a| action(variant, &state.stage, ActionKind::Transition, a)),
        )
        .collect())
}
