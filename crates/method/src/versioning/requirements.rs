//! What a case must still have at its stage («требования этапа»), and which of those a move to a
//! newer version makes unmet. The engine checks what it checks before a step or a move: the
//! required steps of the stage not yet done (in the current stay), the artefacts, consents and
//! decisions those steps need, and what the moves out of the stage need. Form fields and people
//! are not checked here.
//!
//! A requirement *blocks the next move* when every next move out of the stage waits for it. The
//! next moves are the stage's `forward` transitions and its `closing` ones taken on the closure
//! checklist, whose condition the case meets (loops go back; exits, refusals and closing on an
//! alternative ground such as a terminated contract leave the main line); a stage without such a
//! transition counts all of its transitions whose condition holds.

use serde::Serialize;

use crate::Variant;
use crate::schema::{DecisionRequirement, Transition, TransitionKind};
use crate::transitions::{CaseState, applies, missing_steps};

/// What kind of thing is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementKind {
    Step,
    Artefact,
    Consent,
    Decision,
}

impl RequirementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequirementKind::Step => "step",
            RequirementKind::Artefact => "artefact",
            RequirementKind::Consent => "consent",
            RequirementKind::Decision => "decision",
        }
    }
}

/// What needs a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "for", content = "key", rename_all = "snake_case")]
pub enum NeededFor {
    /// A required step of the stage.
    Step(String),
    /// The move to this stage.
    Move(String),
}

/// One thing the case does not have that the variant requires at its stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    pub kind: RequirementKind,
    /// The step, artefact, consent or decision key.
    pub key: String,
    /// For a decision: the outcome it must have had (any outcome when `None`).
    pub outcome: Option<String>,
    /// What needs it; `None` for a required step itself (the stage needs it).
    pub needed_for: Option<NeededFor>,
    /// Every next move out of the stage waits for it.
    pub blocks_next_move: bool,
}

impl Requirement {
    /// The same requirement, whatever it blocks.
    fn same_as(&self, other: &Requirement) -> bool {
        self.kind == other.kind
            && self.key == other.key
            && self.outcome == other.outcome
            && self.needed_for == other.needed_for
    }

    /// `step:family_meeting`, `artefact:plan for step:draw_up_plan`, `decision:take_case=accept
    /// for move:case_opening` — one short line for reports.
    pub fn summary(&self) -> String {
        let mut out = format!("{}:{}", self.kind.as_str(), self.key);
        if let Some(outcome) = &self.outcome {
            out.push('=');
            out.push_str(outcome);
        }
        match &self.needed_for {
            Some(NeededFor::Step(step)) => out.push_str(&format!(" for step:{step}")),
            Some(NeededFor::Move(to)) => out.push_str(&format!(" for move:{to}")),
            None => {}
        }
        out
    }
}

fn condition_holds(t: &Transition, state: &CaseState) -> bool {
    t.when.as_ref().is_none_or(|c| {
        state
            .attributes
            .get(&c.attribute)
            .is_some_and(|v| c.any_of.contains(v))
    })
}

/// The next moves out of the case's stage (see the module comment).
fn next_moves<'v>(variant: &'v Variant, state: &CaseState) -> Vec<&'v Transition> {
    let out: Vec<&Transition> = variant
        .doc()
        .transitions
        .iter()
        .filter(|t| t.from == state.stage && condition_holds(t, state))
        .collect();
    let main: Vec<&Transition> = out
        .iter()
        .copied()
        .filter(|t| match t.kind {
            TransitionKind::Forward => true,
            TransitionKind::Closing => t.ground.is_none(),
            _ => false,
        })
        .collect();
    if main.is_empty() { out } else { main }
}

/// The artefacts, consents and decision a step or move needs that the case does not have.
fn lacking(
    state: &CaseState,
    artefacts: &[String],
    consents: &[String],
    decision: Option<&DecisionRequirement>,
    needed_for: &NeededFor,
    out: &mut Vec<Requirement>,
) {
    let mut push = |kind, key: &str, outcome: Option<&String>| {
        let requirement = Requirement {
            kind,
            key: key.to_owned(),
            outcome: outcome.cloned(),
            needed_for: Some(needed_for.clone()),
            blocks_next_move: false,
        };
        if !out.iter().any(|r| r.same_as(&requirement)) {
            out.push(requirement);
        }
    };
    for a in artefacts.iter().filter(|a| !state.artefacts.contains(*a)) {
        push(RequirementKind::Artefact, a, None);
    }
    for c in consents.iter().filter(|c| !state.consents.contains(*c)) {
        push(RequirementKind::Consent, c, None);
    }
    if let Some(req) = decision {
        let met = state
            .decisions
            .get(&req.decision)
            .is_some_and(|actual| req.outcome.as_ref().is_none_or(|o| o == actual));
        if !met {
            push(
                RequirementKind::Decision,
                &req.decision,
                req.outcome.as_ref(),
            );
        }
    }
}

/// Whether move `t` waits for `r`.
fn waits_for(t: &Transition, r: &Requirement) -> bool {
    match &r.needed_for {
        None | Some(NeededFor::Step(_)) => t.requires_steps,
        Some(NeededFor::Move(to)) => {
            t.to == *to
                && match r.kind {
                    RequirementKind::Artefact => t.requires_artefacts.contains(&r.key),
                    RequirementKind::Consent => t.requires_consents.contains(&r.key),
                    RequirementKind::Decision => t
                        .requires_decision
                        .as_ref()
                        .is_some_and(|d| d.decision == r.key && d.outcome == r.outcome),
                    RequirementKind::Step => false,
                }
        }
    }
}

/// Everything `variant` requires of the case at its stage that the case does not have.
pub fn unmet(variant: &Variant, state: &CaseState) -> Vec<Requirement> {
    let mut out: Vec<Requirement> = missing_steps(variant, state)
        .into_iter()
        .map(|step| Requirement {
            kind: RequirementKind::Step,
            key: step,
            outcome: None,
            needed_for: None,
            blocks_next_move: false,
        })
        .collect();
    if let Some(stage) = variant.stage(&state.stage) {
        for step in stage
            .steps
            .iter()
            .filter(|s| !s.optional && applies(s, state) && !state.completed_steps.contains(&s.key))
        {
            lacking(
                state,
                &step.requires_artefacts,
                &step.requires_consents,
                step.requires_decision.as_ref(),
                &NeededFor::Step(step.key.clone()),
                &mut out,
            );
        }
    }
    let moves = next_moves(variant, state);
    for t in &moves {
        lacking(
            state,
            &t.requires_artefacts,
            &t.requires_consents,
            t.requires_decision.as_ref(),
            &NeededFor::Move(t.to.clone()),
            &mut out,
        );
    }
    for r in &mut out {
        r.blocks_next_move = !moves.is_empty() && moves.iter().all(|t| waits_for(t, r));
    }
    out
}

/// What the case lacks under `new` (in `new_state`, its state after the move) that it did not
/// lack under `old` (in `old_state`): the requirements a move to `new` makes unmet.
pub fn now_unmet(
    old: &Variant,
    old_state: &CaseState,
    new: &Variant,
    new_state: &CaseState,
) -> Vec<Requirement> {
    let before = unmet(old, old_state);
    unmet(new, new_state)
        .into_iter()
        .filter(|r| !before.iter().any(|b| b.same_as(r)))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::presets;
    use crate::schema::VariantDoc;

    fn edited(preset: &str, edit: impl FnOnce(&mut VariantDoc)) -> (Variant, Variant) {
        let old = presets::load(preset).unwrap();
        let mut doc = old.doc().clone();
        edit(&mut doc);
        doc.version += 1;
        (old, Variant::from_doc(doc).unwrap())
    }

    /// A fund case developing its plan: documents signed, the plan not drawn up yet.
    fn developing_plan() -> CaseState {
        let mut state = CaseState::at("plan_development");
        state.completed_steps.insert("sign_documents".into());
        for a in ["charity_contract", "charity_application"] {
            state.artefacts.insert(a.into());
        }
        for c in ["parent_data_consent", "children_data_consent"] {
            state.consents.insert(c.into());
        }
        state
    }

    fn summaries(list: &[Requirement]) -> Vec<(String, bool)> {
        list.iter()
            .map(|r| (r.summary(), r.blocks_next_move))
            .collect()
    }

    #[test]
    fn a_step_not_done_in_plan_development_blocks_moving_on() {
        let fund = presets::load("fund").unwrap();
        let unmet = unmet(&fund, &developing_plan());
        assert_eq!(
            summaries(&unmet),
            vec![("step:draw_up_plan".to_owned(), true)]
        );
    }

    #[test]
    fn a_required_step_added_to_plan_development_is_now_unmet_and_blocks_the_next_move() {
        let (old, new) = edited("fund", |doc| {
            let stage = doc
                .stages
                .iter_mut()
                .find(|s| s.key == "plan_development")
                .unwrap();
            let mut meeting = stage.steps[1].clone();
            meeting.key = "family_meeting".into();
            meeting.produces.clear();
            meeting.completes = None;
            meeting.requires_artefacts = vec!["family_letter".into()];
            stage.steps.push(meeting);
            let mut letter = doc.artefacts[0].clone();
            letter.key = "family_letter".into();
            doc.artefacts.push(letter);
        });
        let state = developing_plan();
        let now = now_unmet(&old, &state, &new, &state);
        assert_eq!(
            summaries(&now),
            vec![
                ("step:family_meeting".to_owned(), true),
                (
                    "artefact:family_letter for step:family_meeting".to_owned(),
                    true
                ),
            ]
        );
        // The same version asks nothing new.
        assert!(now_unmet(&old, &state, &old, &state).is_empty());
    }

    #[test]
    fn a_decision_a_move_needs_blocks_only_when_every_next_move_needs_it() {
        let (old, new) = edited("fund", |doc| {
            for t in doc
                .transitions
                .iter_mut()
                .filter(|t| t.from == "plan_development")
            {
                t.requires_decision = Some(DecisionRequirement {
                    decision: "case_conference".into(),
                    outcome: None,
                });
            }
        });
        let mut state = developing_plan();
        state.completed_steps.insert("draw_up_plan".into());
        state.artefacts.insert("plan".into());
        let now = now_unmet(&old, &state, &new, &state);
        assert!(!now.is_empty());
        assert!(
            now.iter()
                .all(|r| r.kind == RequirementKind::Decision && r.key == "case_conference"),
            "{now:?}"
        );
        assert!(now.iter().any(|r| r.blocks_next_move), "{now:?}");
    }
}
