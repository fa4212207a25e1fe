//! The life of one seeded case, as the application would have recorded it: the signal it came
//! from, the case row, its record (stage entries, steps with their artefacts and events, decisions,
//! curator assignment, home visits and calls, monitoring, closure), its plan revision and actions
//! and its members. Steps, artefacts and events are read from the variant, so the record is the one
//! the state centre's method produces; the stage a case is at and its dates are drawn at random.

use chrono::{DateTime, Duration, Utc};
use kurator_casework::case_file::{CaseFile, kind, status};
use kurator_method::Variant;
use kurator_method::calendar::Calendar;
use kurator_store::tenant::entities::{
    case, case_member, case_record, plan_action, plan_revision, signal,
};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use uuid::Uuid;

const SURNAMES: [&str; 16] = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Кузнецов",
    "Смирнов",
    "Попов",
    "Волков",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Егоров",
    "Павлов",
    "Семёнов",
    "Голубев",
];
const GIVEN: [&str; 8] = [
    "Мария",
    "Анна",
    "Елена",
    "Ольга",
    "Татьяна",
    "Наталья",
    "Ирина",
    "Светлана",
];
const CHILDREN: [&str; 8] = [
    "Артём",
    "Дарья",
    "Максим",
    "София",
    "Иван",
    "Алиса",
    "Михаил",
    "Полина",
];
const SOURCES: [&str; 5] = ["school", "police", "hospital", "neighbours", "guardianship"];
const CHANNELS: [&str; 3] = ["call", "letter", "in_person"];
const ACTIONS: [&str; 6] = [
    "Консультация психолога",
    "Помощь в оформлении пособия",
    "Содействие в трудоустройстве матери",
    "Организация досуга ребёнка",
    "Обследование условий проживания",
    "Направление к наркологу",
];

/// Who works in the organisation, as the seeded cases need them.
#[derive(Clone)]
pub struct People {
    pub tenant_id: Uuid,
    /// Takes signals in and sits on some cases as a specialist.
    pub specialist: Uuid,
    pub supervisor: Uuid,
}

/// Where a seeded case stands.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Index of the current stage in the variant (the last is the closure stage).
    pub stage: usize,
    /// Whether the curator has stopped visiting the family for a while (the case runs overdue).
    pub neglected: bool,
    pub category: &'static str,
}

/// One case with everything recorded about it.
pub struct SeededCase {
    pub signal: signal::Model,
    pub file: CaseFile,
}

/// Draws the stage a new case is at: most are in the activity stage or closed, as in a centre
/// that has worked for years.
pub fn draw_shape(rng: &mut StdRng, stages: usize) -> Shape {
    let roll: f64 = rng.random();
    // diagnostic, target, activity, reflective, supporting, closed — 10/10/35/10/7/28 %
    let cut = [0.10, 0.20, 0.55, 0.65, 0.72, 1.0];
    let mut stage = cut.iter().position(|c| roll < *c).unwrap_or(5);
    stage = stage.min(stages.saturating_sub(1));
    let category = match rng.random_range(0..10) {
        0..=2 => "sop",
        3..=6 => "tzhs",
        _ => "needs_support",
    };
    Shape {
        stage,
        neglected: rng.random_bool(0.15),
        category,
    }
}

/// Days a case typically spends in each stage of the state centre's method.
fn stage_days(rng: &mut StdRng, stage: &str) -> i64 {
    match stage {
        "diagnostic" => rng.random_range(2..10),
        "target" => rng.random_range(5..20),
        "activity" => rng.random_range(60..390),
        "reflective" => rng.random_range(30..80),
        "supporting" => rng.random_range(15..32),
        _ => rng.random_range(5..60),
    }
}

struct Builder<'a> {
    variant: &'a Variant,
    people: &'a People,
    case_id: Uuid,
    records: Vec<case_record::Model>,
    now: DateTime<Utc>,
}

impl Builder<'_> {
    fn record(&mut self, kind: &str, key: &str, at: DateTime<Utc>, actor: Uuid, data: Value) {
        self.records.push(case_record::Model {
            id: Uuid::now_v7(),
            tenant_id: self.people.tenant_id,
            case_id: self.case_id,
            kind: kind.to_owned(),
            key: key.to_owned(),
            at,
            data,
            actor_id: Some(actor),
            created_at: at.min(self.now),
        });
    }

    /// A step done at `at`, with what it produces and completes, and the decision it needs.
    fn step(&mut self, stage: usize, step: usize, at: DateTime<Utc>, actor: Uuid, stop: bool) {
        let def = &self.variant.stages()[stage].steps[step];
        if let Some(requirement) = &def.requires_decision {
            let outcome = requirement.outcome.clone().unwrap_or_else(|| {
                if stop {
                    "stop".into()
                } else {
                    "continue".into()
                }
            });
            let decision = requirement.decision.clone();
            self.record(
                kind::DECISION,
                &decision,
                at - Duration::hours(2),
                self.people.supervisor,
                json!({ "outcome": outcome, "procedure": "conference" }),
            );
        }
        let key = def.key.clone();
        self.record(kind::STEP, &key, at, actor, json!({}));
        for artefact in def.produces.clone() {
            self.record(
                kind::ARTEFACT,
                &artefact,
                at,
                actor,
                json!({ "title": "Документ" }),
            );
        }
        if let Some(event) = def.completes.clone() {
            self.record(kind::EVENT, &event, at, actor, json!({}));
        }
    }
}

/// Builds one case opened by the organisation `number`-th, curated by `curator` (none: still
/// with the person who took it in), at the stage `shape` says, as of `now`.
#[allow(clippy::too_many_arguments)]
pub fn build(
    rng: &mut StdRng,
    variant: &Variant,
    calendar: &Calendar,
    people: &People,
    shape: Shape,
    curator: Option<Uuid>,
    number: i64,
    now: DateTime<Utc>,
) -> SeededCase {
    let stages = variant.stages();
    let last = stages.len().saturating_sub(1);
    let closing_stage = stages
        .iter()
        .position(|s| s.phase.as_deref() == Some("post_support"))
        .unwrap_or(last);
    // How long each stage up to the current one lasted (the current one: so far).
    let mut spans: Vec<i64> = (0..=shape.stage)
        .map(|i| stage_days(rng, &stages[i].key))
        .collect();
    if let Some(current) = spans.last_mut() {
        *current = rng.random_range(0..=*current);
        if shape.stage == last {
            // Closed a while ago.
            *current += rng.random_range(0..900);
        }
    }
    let total: i64 = spans.iter().sum();
    let opened_at = now - Duration::days(total) - Duration::minutes(rng.random_range(0..1440));
    let case_id = Uuid::now_v7();
    let signal_id = Uuid::now_v7();
    let worker = curator.unwrap_or(people.specialist);
    let mut b = Builder {
        variant,
        people,
        case_id,
        records: Vec::with_capacity(32),
        now,
    };

    let surname = SURNAMES[rng.random_range(0..SURNAMES.len())];
    let family = json!({
        "name": format!("Семья {surname}ых"),
        "address": format!("г. Льгов, ул. Примерная, д. {}", rng.random_range(1..120)),
        "members": [
            { "role": "mother", "name": format!("{surname}а {}", GIVEN[rng.random_range(0..GIVEN.len())]),
              "birthDate": format!("19{}-0{}-1{}", rng.random_range(75..99), rng.random_range(1..10), rng.random_range(0..10)) },
            { "role": "child", "name": format!("{surname} {}", CHILDREN[rng.random_range(0..CHILDREN.len())]),
              "birthDate": format!("20{}-0{}-2{}", rng.random_range(10..24), rng.random_range(1..10), rng.random_range(0..9)) }
        ]
    });
    let attributes = json!({ "family_category": shape.category });

    // Intake: the first stage, its first step (registration), the intake event.
    let mut t = opened_at;
    b.record(kind::STAGE, &stages[0].key, t, people.specialist, json!({}));
    b.step(0, 0, t, people.specialist, false);
    if let Some(event) = variant.doc().intake_event.clone() {
        b.record(
            kind::EVENT,
            &event,
            t,
            people.specialist,
            json!({ "signal": signal_id }),
        );
    }
    if let Some(curator) = curator {
        let at = t + Duration::hours(3);
        b.record(
            kind::CURATOR,
            "curator",
            at,
            people.supervisor,
            json!({ "from": null, "to": curator, "caseload": "allowed" }),
        );
    }

    let mut revisions = Vec::new();
    let mut actions = Vec::new();
    let mut closed_at = None;
    let mut post_support_until = None;
    let mut stage_entered_at = opened_at;
    for (index, span) in spans.iter().enumerate() {
        let entered = t;
        if index > 0 {
            let from = stages[index - 1].key.clone();
            let closing = index == closing_stage;
            if closing {
                let until = stages[index]
                    .duration
                    .as_ref()
                    .and_then(|d| d.max.as_ref())
                    .map(|span| calendar.add_span(entered, span))
                    .unwrap_or(entered + Duration::days(30));
                b.record(
                    kind::EVENT,
                    "post_support_started",
                    entered,
                    worker,
                    json!({ "until_min": null, "until_max": until, "contact_every": null }),
                );
                b.record(
                    kind::STAGE,
                    &stages[index].key.clone(),
                    entered,
                    worker,
                    json!({ "from": from, "closure": true }),
                );
                b.record(
                    kind::CLOSURE,
                    "closed",
                    entered,
                    worker,
                    json!({ "note": "Положительная динамика", "outcome": { "key": "positive_dynamics" } }),
                );
                closed_at = Some(entered);
                post_support_until = Some(until);
            } else if index == last && index > closing_stage {
                b.record(
                    kind::STAGE,
                    &stages[index].key.clone(),
                    entered,
                    worker,
                    json!({ "from": from, "post_support_ended": true }),
                );
                b.record(
                    kind::EVENT,
                    "post_support_ended",
                    entered,
                    worker,
                    json!({}),
                );
                post_support_until = Some(entered);
                closed_at = closed_at.or(Some(entered));
            } else {
                b.record(
                    kind::STAGE,
                    &stages[index].key.clone(),
                    entered,
                    worker,
                    json!({ "from": from }),
                );
            }
        }
        stage_entered_at = entered;
        // Steps: all of a stage passed (optional ones where they apply), a part of the current.
        let steps = &stages[index].steps;
        let first = usize::from(index == 0); // registration is done at intake
        let done = if index == shape.stage {
            rng.random_range(first..=steps.len())
        } else {
            steps.len()
        };
        let stage_span = Duration::days((*span).max(1));
        let passing_on = index < shape.stage;
        for (j, def) in steps.iter().enumerate().take(done).skip(first) {
            if def.optional && !(shape.category == "sop" && def.when.is_some()) {
                continue;
            }
            if def.when.is_some() && shape.category != "sop" {
                continue;
            }
            let at = entered
                + stage_span * i32::try_from(j + 1).unwrap_or(1)
                    / i32::try_from(steps.len() + 1).unwrap_or(1);
            let at = at.min(now - Duration::minutes(5));
            b.step(index, j, at, worker, passing_on);
            if def
                .produces
                .iter()
                .any(|p| variant.plan_artefacts().any(|a| a == p))
                && revisions.is_empty()
            {
                let revision_id = Uuid::now_v7();
                revisions.push(plan_revision::Model {
                    id: revision_id,
                    tenant_id: people.tenant_id,
                    case_id,
                    number: 1,
                    meeting_date: at,
                    participants: json!([{ "name": "Рабочая группа" }, { "name": "Куратор семьи" }]),
                    created_by: worker,
                    created_at: at.min(now),
                });
                for k in 0..rng.random_range(3..6) {
                    let deadline = at + Duration::days(rng.random_range(20..200));
                    let done_at = (deadline < now && rng.random_bool(0.7))
                        .then(|| deadline - Duration::days(rng.random_range(0..10)));
                    actions.push(plan_action::Model {
                        id: Uuid::now_v7(),
                        tenant_id: people.tenant_id,
                        case_id,
                        revision_id,
                        title: ACTIONS[(k + usize::try_from(number).unwrap_or(0)) % ACTIONS.len()]
                            .to_owned(),
                        deadline,
                        responsible: json!({ "person": "Куратор семьи" }),
                        owner: "organisation".to_owned(),
                        done_at,
                        result: done_at.map(|_| "Выполнено".to_owned()),
                        version: if done_at.is_some() { 2 } else { 1 },
                        created_at: at.min(now),
                        updated_at: done_at.unwrap_or(at).min(now),
                    });
                }
            }
        }
        if stages[index].key == "activity" && (passing_on || done > 1) {
            let at = (entered + stage_span / 2).min(now - Duration::minutes(5));
            b.record(
                kind::MONITORING,
                "intermediate",
                at,
                worker,
                json!({ "findings": "Динамика положительная" }),
            );
        }
        t = entered + Duration::days(*span);
    }

    // Home visits about monthly and calls in between, from intake until support ended (a
    // neglected case: none for the last one to three months).
    let visits_end = match (shape.stage == last, closed_at) {
        (true, _) => stage_entered_at,
        _ => now,
    };
    let visits_end = if shape.neglected && shape.stage < last {
        visits_end - Duration::days(rng.random_range(35..100))
    } else {
        visits_end
    };
    let mut visit = opened_at + Duration::days(rng.random_range(1..7));
    while visit < visits_end {
        b.record(
            kind::CONTACT,
            "home_visit",
            visit,
            worker,
            json!({ "note": "Посещение по месту жительства" }),
        );
        let call = visit + Duration::days(rng.random_range(10..18));
        if call < visits_end {
            b.record(
                kind::CONTACT,
                "phone_call",
                call,
                worker,
                json!({ "note": "Телефонный разговор" }),
            );
        }
        visit += Duration::days(rng.random_range(20..33));
    }
    b.records.sort_by_key(|r| (r.at, r.id));

    let mut members = Vec::new();
    let member = |user: Uuid, kind: &str, at: DateTime<Utc>| case_member::Model {
        tenant_id: people.tenant_id,
        case_id,
        user_id: user,
        kind: kind.to_owned(),
        added_at: at,
        ended_at: None,
    };
    match curator {
        Some(curator) => members.push(member(curator, "curator", opened_at + Duration::hours(3))),
        None => members.push(member(people.specialist, "intake", opened_at)),
    }
    if curator.is_some() && rng.random_bool(0.25) {
        members.push(member(
            people.specialist,
            "specialist",
            opened_at + Duration::days(2),
        ));
    }

    let current = &stages[shape.stage];
    let status = if shape.stage == last {
        status::CLOSED
    } else if shape.stage >= closing_stage {
        status::POST_SUPPORT
    } else {
        status::OPEN
    };
    let updated_at = b.records.last().map_or(opened_at, |r| r.at).min(now);
    let version = i32::try_from(b.records.len().min(1000)).unwrap_or(1);
    let case = case::Model {
        id: case_id,
        tenant_id: people.tenant_id,
        signal_id: Some(signal_id),
        family: family.clone(),
        variant_key: variant.key().to_owned(),
        variant_version: i32::try_from(variant.version()).unwrap_or(1),
        status: status.to_owned(),
        stage: current.key.clone(),
        stage_entered_at,
        curator_id: curator,
        attributes: attributes.clone(),
        opened_at,
        closed_at,
        post_support_until,
        outcome: closed_at.map(|_| json!({ "key": "positive_dynamics" })),
        parent_case_id: None,
        version,
        created_at: opened_at,
        updated_at,
        next_due_at: None,
        number: Some(number),
    };
    let risk_band = match shape.category {
        "sop" => "high",
        "tzhs" => "medium",
        _ => "low",
    };
    let signal = signal::Model {
        id: signal_id,
        tenant_id: people.tenant_id,
        received_at: opened_at,
        source: SOURCES[rng.random_range(0..SOURCES.len())].to_owned(),
        channel: CHANNELS[rng.random_range(0..CHANNELS.len())].to_owned(),
        requester: json!({ "name": "Социальный педагог школы", "contact": "8 (47140) 2-00-00" }),
        subject: family,
        parents: json!({ "mother": "не работает" }),
        grounds: "Ребёнок пропускает занятия, в семье конфликты".to_owned(),
        follow_up: "Обследование условий проживания".to_owned(),
        taken_by: people.specialist,
        triage: Some(json!({ "attributes": attributes, "risk_band": risk_band })),
        form: None,
        risk_band: Some(risk_band.to_owned()),
        status: "accepted".to_owned(),
        decision: Some(json!({ "kind": "accept", "case_id": case_id })),
        case_id: Some(case_id),
        version: 2,
        created_at: opened_at,
        updated_at: opened_at + Duration::hours(1),
    };
    SeededCase {
        signal,
        file: CaseFile {
            case,
            records: b.records,
            revisions,
            actions,
            members,
        },
    }
}
