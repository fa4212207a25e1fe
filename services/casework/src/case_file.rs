//! A case with everything recorded about it, and the two views the method engine reads from it:
//! where the case stands ([`CaseState`]) and what happened when ([`CaseFacts`]).

use kurator_method::Variant;
use kurator_method::obligations::CaseFacts;
use kurator_method::transitions::CaseState;
use kurator_store::tenant::cases::{CaseRow, RecordRow};
use kurator_store::tenant::entities::case_member;
use kurator_store::tenant::plans::{ActionRow, RevisionRow};
use std::collections::BTreeMap;

/// Kinds of entries in a case's record.
pub mod kind {
    pub const STEP: &str = "step";
    pub const EVENT: &str = "event";
    pub const STAGE: &str = "stage";
    pub const ARTEFACT: &str = "artefact";
    pub const CONSENT: &str = "consent";
    pub const DECISION: &str = "decision";
    pub const CONTACT: &str = "contact";
    pub const MONITORING: &str = "monitoring";
    pub const ATTRIBUTE: &str = "attribute";
    pub const CURATOR: &str = "curator";
    pub const CLOSURE: &str = "closure";
    pub const REOPENED: &str = "reopened";
    /// A norm (guideline) acknowledged by a person holding the role the variant names.
    pub const ACKNOWLEDGEMENT: &str = "acknowledgement";
    /// Someone joined or left the case (curator, specialist, first-visit team).
    pub const MEMBER: &str = "member";
    /// A decision an emergency went ahead without, to be recorded afterwards.
    pub const PENDING_APPROVAL: &str = "pending_approval";
    /// A date a decision set for the next occurrence of a recurring obligation.
    pub const SCHEDULE: &str = "schedule";
    /// A conference's minutes sent to its participants.
    pub const MINUTES_SENT: &str = "minutes_sent";
    /// The case was moved to a newer version of the variant; the entry keeps the state before.
    pub const VARIANT_MIGRATION: &str = "variant_migration";
}

/// Case statuses.
pub mod status {
    /// Before the variant's case-opening stage: signal work, first visit, the decision to take it.
    pub const INTAKE: &str = "intake";
    pub const OPEN: &str = "open";
    pub const POST_SUPPORT: &str = "post_support";
    pub const CLOSED: &str = "closed";
    /// The decision after the first visit was not to take the case.
    pub const DECLINED: &str = "declined";
    pub const ALL: [&str; 5] = [INTAKE, OPEN, POST_SUPPORT, CLOSED, DECLINED];
}

#[derive(Debug, Clone)]
pub struct CaseFile {
    pub case: CaseRow,
    pub records: Vec<RecordRow>,
    pub revisions: Vec<RevisionRow>,
    pub actions: Vec<ActionRow>,
    pub members: Vec<case_member::Model>,
}

/// The case's attributes as strings (type, category, complexity, risk band, placement…).
pub fn attributes(case: &CaseRow) -> BTreeMap<String, String> {
    case.attributes
        .as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

impl CaseFile {
    fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a RecordRow> + 'a {
        self.records.iter().filter(move |r| r.kind == kind)
    }

    /// Where the case stands, for the engine's step and transition checks.
    pub fn state(&self, variant: &Variant) -> CaseState {
        let case = &self.case;
        let mut state = CaseState::at(&case.stage);
        state.stage_entered_at = Some(case.stage_entered_at);
        state.opened_at = Some(case.opened_at);
        state.attributes = attributes(case);
        for record in self.of_kind(kind::STEP) {
            let in_current_stage = variant
                .step(&record.key)
                .is_some_and(|(stage, _)| stage.key == case.stage);
            // A step of the current stage counts only in the current stay (stages can loop).
            if !in_current_stage || record.at >= case.stage_entered_at {
                state.completed_steps.insert(record.key.clone());
            }
        }
        state
            .artefacts
            .extend(self.of_kind(kind::ARTEFACT).map(|r| r.key.clone()));
        state
            .consents
            .extend(self.of_kind(kind::CONSENT).map(|r| r.key.clone()));
        for record in self.of_kind(kind::DECISION) {
            if let Some(outcome) = record.data.get("outcome").and_then(|o| o.as_str()) {
                state
                    .decisions
                    .insert(record.key.clone(), outcome.to_owned());
            }
        }
        state
            .acknowledged
            .extend(self.of_kind(kind::ACKNOWLEDGEMENT).map(|r| r.key.clone()));
        // A recorded plan revision is the plan, whatever the variant calls it.
        if !self.revisions.is_empty() {
            state
                .artefacts
                .extend(variant.plan_artefacts().map(str::to_owned));
        }
        state
    }

    /// Decisions an emergency went ahead without and that are not recorded since (seed 000 §10):
    /// the case is flagged for the senior curator until they are.
    pub fn pending_approvals(&self) -> Vec<String> {
        let mut pending: Vec<String> = Vec::new();
        // Records are in order: a decision recorded after the flag clears it.
        for record in &self.records {
            if record.kind == kind::PENDING_APPROVAL {
                if !pending.contains(&record.key) {
                    pending.push(record.key.clone());
                }
            } else if record.kind == kind::DECISION {
                pending.retain(|p| p != &record.key);
            }
        }
        pending
    }

    /// What happened when, for the engine's obligations.
    pub fn facts(&self) -> CaseFacts {
        let case = &self.case;
        let mut facts = CaseFacts::opened(case.opened_at);
        facts.attributes = attributes(case);
        for record in &self.records {
            match record.kind.as_str() {
                kind::EVENT => facts = facts.event(&record.key, record.at),
                kind::STAGE => facts = facts.stage(&record.key, record.at),
                kind::CONTACT => facts = facts.contact(&record.key, record.at),
                kind::SCHEDULE => {
                    if let Some(due) = record
                        .data
                        .get("due")
                        .and_then(|d| d.as_str())
                        .and_then(|d| d.parse().ok())
                    {
                        facts = facts.schedule(&record.key, record.at, due);
                    }
                }
                _ => {}
            }
        }
        facts.plan_actions = self.actions.iter().filter_map(|a| a.done_at).collect();
        facts.closed_at = case.closed_at;
        facts.post_support_started_at = self
            .of_kind(kind::EVENT)
            .filter(|r| r.key == "post_support_started")
            .map(|r| r.at)
            .max();
        facts.closure_cadence = self
            .of_kind(kind::EVENT)
            .filter(|r| r.key == "post_support_started")
            .max_by_key(|r| r.at)
            .and_then(|r| r.data.get("contact_every"))
            .and_then(|every| serde_json::from_value(every.clone()).ok());
        facts.post_support_ended_at = self
            .of_kind(kind::EVENT)
            .filter(|r| r.key == "post_support_ended")
            .map(|r| r.at)
            .max()
            .filter(|ended| facts.post_support_started_at.is_some_and(|s| s <= *ended));
        facts
    }
}
