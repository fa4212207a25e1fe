//! Decision procedures: a single decider; a team vote («голосование») that escalates along a
//! chain of roles when there is no consensus (fund: coordinator, then head of direction); a
//! conference («консилиум», «совещание») with recorded participants and a recorded decision.

use serde::{Deserialize, Serialize};

use crate::schema::{DecisionDef, Procedure, VoteRule};
use crate::{Language, Problem, problem};

/// A vote, a ruling or a recorded decision by one person acting in a role. `choice = None`
/// means "no opinion" (for an escalation ruling: pass it further up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub role: String,
    pub person: String,
    pub choice: Option<String>,
}

impl Vote {
    pub fn new(role: &str, person: &str, choice: &str) -> Self {
        Vote {
            role: role.into(),
            person: person.into(),
            choice: Some(choice.into()),
        }
    }
    pub fn pass(role: &str, person: &str) -> Self {
        Vote {
            role: role.into(),
            person: person.into(),
            choice: None,
        }
    }
}

/// A conference participant: a member of the organisation in a variant role, or — with
/// `organisation` — a representative of another organisation or agency (police, kindergarten,
/// maternity home), named with their position as `role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub person: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

impl Participant {
    /// The outside organisation the participant represents, if any.
    pub fn outside(&self) -> Option<&str> {
        self.organisation
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
    }
}

/// Everything recorded about one decision so far.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Single decider's decision, or the team's votes.
    pub votes: Vec<Vote>,
    /// Rulings of the escalation chain, in any order.
    pub rulings: Vec<Vote>,
    /// Conference participants.
    pub participants: Vec<Participant>,
    /// The conference's recorded decision.
    pub recorded: Option<String>,
    /// The date the decision agreed for the next occurrence of an obligation (see
    /// [`crate::schema::NextDate`]), e.g. the next plan review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_date: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DecisionStatus {
    Decided {
        outcome: String,
        by: String,
    },
    /// Waiting for these roles to vote or decide.
    Pending {
        waiting_for: Vec<String>,
    },
    /// No consensus: the question is now with this role.
    Escalated {
        to: String,
    },
    /// No consensus and the escalation chain is exhausted.
    Deadlocked,
    /// The record breaks the procedure.
    Invalid {
        reasons: Vec<String>,
    },
}

fn check_choice(def: &DecisionDef, v: &Vote, reasons: &mut Vec<Problem>) {
    if let Some(c) = &v.choice
        && !def.outcomes.contains(c)
    {
        let (ru, en, outcomes) = names(def, &def.outcomes);
        reasons.push(problem!(
            "unknown_decision_outcome",
            "«{c}» не является допустимым решением («{ru}»): ожидается одно из {outcomes}",
            "“{c}” is not a valid outcome of “{en}”: expected one of {outcomes}"
        ));
    }
}

/// The decision's Russian and English names, and `keys` joined.
fn names<'d>(def: &'d DecisionDef, keys: &[String]) -> (&'d str, &'d str, String) {
    (
        &def.name.ru,
        def.name.in_language(Language::En),
        keys.join(", "),
    )
}

fn invalid(reasons: &[Problem]) -> DecisionStatus {
    DecisionStatus::Invalid {
        reasons: reasons.iter().map(|p| p.ru.clone()).collect(),
    }
}

/// Where a decision stands given what was recorded.
pub fn evaluate(def: &DecisionDef, rec: &DecisionRecord) -> DecisionStatus {
    evaluate_with_problems(def, rec, &mut Vec::new())
}

/// Like [`evaluate`]; every way the record breaks the procedure is also added to `reasons` as a
/// problem in both languages (the status keeps the Russian sentences).
pub fn evaluate_with_problems(
    def: &DecisionDef,
    rec: &DecisionRecord,
    reasons: &mut Vec<Problem>,
) -> DecisionStatus {
    for v in rec.votes.iter().chain(&rec.rulings) {
        check_choice(def, v, reasons);
    }
    match def.procedure {
        Procedure::Single => {
            for v in &rec.votes {
                if !def.deciders.contains(&v.role) {
                    let (ru, en, deciders) = names(def, &def.deciders);
                    let role = &v.role;
                    reasons.push(problem!(
                        "not_a_decider",
                        "решение «{ru}» принимает {deciders}, а не {role}",
                        "decision “{en}” is taken by {deciders}, not {role}"
                    ));
                }
            }
            if !reasons.is_empty() {
                return invalid(reasons);
            }
            match rec
                .votes
                .iter()
                .find_map(|v| v.choice.clone().map(|c| (c, v.role.clone())))
            {
                Some((outcome, by)) => DecisionStatus::Decided { outcome, by },
                None => DecisionStatus::Pending {
                    waiting_for: def.deciders.clone(),
                },
            }
        }
        Procedure::TeamVote => {
            let mut voters = std::collections::BTreeSet::new();
            for v in &rec.votes {
                if !voters.insert(v.person.as_str()) {
                    let (ru, en, _) = names(def, &[]);
                    reasons.push(problem!(
                        "duplicate_vote",
                        "в голосовании «{ru}» один человек голосует один раз",
                        "in the vote “{en}” a person votes once"
                    ));
                }
            }
            for v in &rec.votes {
                if !def.deciders.contains(&v.role) {
                    let (ru, en, _) = names(def, &[]);
                    let role = &v.role;
                    reasons.push(problem!(
                        "not_a_voter",
                        "роль {role} не участвует в голосовании «{ru}»",
                        "role {role} does not take part in the vote “{en}”"
                    ));
                }
            }
            for r in &rec.rulings {
                if !def.escalation.contains(&r.role) {
                    let (ru, en, _) = names(def, &[]);
                    let role = &r.role;
                    reasons.push(problem!(
                        "not_in_escalation",
                        "роль {role} не входит в цепочку эскалации «{ru}»",
                        "role {role} is not in the escalation chain of “{en}”"
                    ));
                }
            }
            if !reasons.is_empty() {
                return invalid(reasons);
            }
            let missing: Vec<String> = def
                .deciders
                .iter()
                .filter(|r| {
                    !rec.votes
                        .iter()
                        .any(|v| &v.role == *r && v.choice.is_some())
                })
                .cloned()
                .collect();
            if !missing.is_empty() {
                return DecisionStatus::Pending {
                    waiting_for: missing,
                };
            }
            let choices: Vec<&String> =
                rec.votes.iter().filter_map(|v| v.choice.as_ref()).collect();
            let consensus = match def.rule {
                VoteRule::Unanimous => choices
                    .first()
                    .filter(|f| choices.iter().all(|c| c == *f))
                    .map(|c| (*c).clone()),
                VoteRule::Majority => def
                    .outcomes
                    .iter()
                    .find(|o| choices.iter().filter(|c| **c == *o).count() * 2 > choices.len())
                    .cloned(),
            };
            if let Some(outcome) = consensus {
                return DecisionStatus::Decided {
                    outcome,
                    by: "team".into(),
                };
            }
            for level in &def.escalation {
                match rec.rulings.iter().find(|r| &r.role == level) {
                    None => return DecisionStatus::Escalated { to: level.clone() },
                    Some(Vote {
                        choice: Some(c), ..
                    }) => {
                        return DecisionStatus::Decided {
                            outcome: c.clone(),
                            by: level.clone(),
                        };
                    }
                    Some(_) => continue, // passed further up
                }
            }
            DecisionStatus::Deadlocked
        }
        Procedure::Conference => {
            // the variant's roles are held by the organisation's own people only
            let mut waiting: Vec<String> = def
                .required_participants
                .iter()
                .filter(|r| {
                    !rec.participants
                        .iter()
                        .any(|p| &p.role == *r && p.outside().is_none())
                })
                .cloned()
                .collect();
            let organisations: std::collections::BTreeSet<String> = rec
                .participants
                .iter()
                .filter_map(|p| p.outside().map(str::to_lowercase))
                .collect();
            let min_organisations = def.min_organisations.unwrap_or(0) as usize;
            if organisations.len() < min_organisations {
                let (ru, en, _) = names(def, &[]);
                let count = organisations.len();
                reasons.push(problem!(
                    "too_few_organisations",
                    "«{ru}»: представлено других организаций и ведомств: {count}, нужно не менее {min_organisations}",
                    "“{en}”: other organisations and agencies present: {count}, at least {min_organisations} needed"
                ));
            }
            let min = def.min_participants.unwrap_or(1) as usize;
            // Members of the organisation count, each once; outside participants do not.
            let people: std::collections::BTreeSet<&str> = rec
                .participants
                .iter()
                .filter(|p| p.outside().is_none())
                .map(|p| p.person.as_str())
                .collect();
            if people.len() < min {
                let (ru, en, _) = names(def, &[]);
                let count = people.len();
                reasons.push(problem!(
                    "too_few_participants",
                    "на консилиуме «{ru}» записано участников из организации: {count}, нужно не менее {min}",
                    "at the conference “{en}” participants from the organisation recorded: {count}, at least {min} needed"
                ));
            }
            if let Some(c) = &rec.recorded {
                check_choice(
                    def,
                    &Vote {
                        role: String::new(),
                        person: String::new(),
                        choice: Some(c.clone()),
                    },
                    reasons,
                );
            }
            match (&rec.recorded, waiting.is_empty() && reasons.is_empty()) {
                (Some(outcome), true) => DecisionStatus::Decided {
                    outcome: outcome.clone(),
                    by: "conference".into(),
                },
                (Some(_), false) if !reasons.is_empty() || !waiting.is_empty() => {
                    reasons.extend(waiting.drain(..).map(|r| {
                        problem!(
                            "required_participant_missing",
                            "на консилиуме нет обязательного участника: {r}",
                            "a required participant is missing from the conference: {r}"
                        )
                    }));
                    invalid(reasons)
                }
                _ => {
                    if waiting.is_empty() {
                        waiting = def.deciders.clone();
                    }
                    DecisionStatus::Pending {
                        waiting_for: waiting,
                    }
                }
            }
        }
    }
}
