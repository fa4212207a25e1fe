//! State centre «Доверие», Льгов (seed 003).

use kurator_tests::casework::{Worker, demo_family, obligation, version};
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    a_family_in_a_socially_dangerous_situation_from_information_to_follow_up,
    a_curator_with_six_sop_families_cannot_take_a_seventh,
);

fn signal(received_at: &str, category: &str) -> Value {
    json!({
        "receivedAt": received_at,
        "source": "school",
        "channel": "call",
        "requester": { "name": "Социальный педагог школы №2", "relation": "педагог" },
        "subject": { "name": "Иванов Артём", "birthDate": "2019-05-06", "sex": "m", "address": "г. Льгов" },
        "parents": { "mother": { "name": "Иванова Мария", "whereabouts": "г. Льгов", "occupation": "не работает" } },
        "grounds": "Ребёнок пропускает занятия, мать злоупотребляет алкоголем",
        "followUp": "Посещение семьи специалистом центра",
        "triage": { "classifications": [{ "key": "family_category", "value": category }] }
    })
}

/// The working group's meeting: the family curator and a working-group member of the centre,
/// with a representative of the juvenile commission from outside, recorded as such.
fn working_group(recorded: &str, curator: &str, member: &str) -> Value {
    json!({
        "key": if recorded == "approved" { "programme_approval" } else { "continue_or_stop" },
        "participants": [
            { "person": curator, "role": "family_curator" },
            { "person": member, "role": "working_group" },
            { "person": "Представитель КДН и ЗП", "role": "член комиссии", "organisation": "КДН и ЗП Льговского района" }
        ],
        "recorded": recorded
    })
}

async fn a_family_in_a_socially_dangerous_situation_from_information_to_follow_up(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "state_centre.curator").await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;

    // Information about the family arrives on Monday 6 April 2026, 10:00 in Lgov.
    let registered = curator
        .register_signal(signal("2026-04-06T07:00:00Z", "sop"))
        .await;
    let signal_id = registered.data()["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(registered.data()["registerSignal"]["riskBand"], "high");
    let decided = supervisor
        .decide_signal(
            &signal_id,
            1,
            json!({ "kind": "ACCEPT", "family": demo_family("Иванов") }),
            "2026-04-06T08:00:00Z",
        )
        .await;
    let case_id = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();

    let case = supervisor.case(&case_id, "2026-04-07T07:00:00Z").await;
    // seed 003 §1.5.1: the diagnostic stage is where the case starts.
    assert_eq!(case["status"], "open");
    assert_eq!(case["stage"]["key"], "diagnostic");
    // seed 003 §3.1: inform the working group within 5 working days of receipt — Monday 13 April.
    let inform = obligation(&case, "deadline:inform_working_group");
    assert_eq!(inform["due"], "2026-04-13T20:59:59+00:00");
    assert_eq!(inform["status"], "UPCOMING");
    // seed 003 §1.5.2, §3.1: the draft programme within 10 working days — Monday 20 April.
    assert_eq!(
        obligation(&case, "deadline:present_draft_programme")["due"],
        "2026-04-20T20:59:59+00:00"
    );
    // seed 003 §3.1: a home visit at least once a month.
    assert_eq!(
        obligation(&case, "recurring:monthly_home_visit#1")["due"],
        "2026-05-06T20:59:59+00:00"
    );

    let assigned = supervisor
        .assign_curator(
            &case_id,
            case["version"].as_i64().unwrap(),
            &curator.user_id,
        )
        .await;
    assert_eq!(
        assigned.data()["assignCurator"]["caseload"]["decision"],
        "allowed"
    );
    let mut v = assigned.data()["assignCurator"]["case"]["version"]
        .as_i64()
        .unwrap();

    let act = |at: &str| json!({ "actingAs": "family_curator", "at": at });
    // Registering the information was the first step; the rest of the diagnostic stage follows.
    for (step, at) in [
        ("inspect_housing", "2026-04-08T07:00:00Z"),
        ("inform_working_group", "2026-04-10T07:00:00Z"),
    ] {
        let done = curator.step(&case_id, v, step, act(at)).await;
        v = version(&done, "performStep");
    }
    let case = curator.case(&case_id, "2026-04-14T07:00:00Z").await;
    assert_eq!(
        obligation(&case, "deadline:inform_working_group")["status"],
        "MET"
    );
    // Nothing was done about the programme yet, and on 21 April it is overdue.
    let late = curator.case(&case_id, "2026-04-21T07:00:00Z").await;
    assert_eq!(
        obligation(&late, "deadline:present_draft_programme")["status"],
        "OVERDUE"
    );
    assert_eq!(late["overdue"], true);

    let moved = curator
        .move_case(&case_id, v, "target", act("2026-04-14T07:00:00Z"))
        .await;
    v = version(&moved, "moveCase");
    // seed 003 §1.5.2: the support programme (ПССС) — measures, deadlines, responsible
    // organisations — is the plan, recorded with its actions.
    let revised = curator
        .gql(
            "mutation($c: ID!, $v: Int!, $i: PlanRevisionInput!) { revisePlan(caseId: $c, version: $v, input: $i) { version } }",
            json!({ "c": case_id, "v": v, "i": {
                "meetingDate": "2026-04-17T06:00:00Z",
                "participants": ["Семёнова О. (куратор семьи)", "Иванова М. (мать)"],
                "actions": [
                    { "title": "Оформить детское пособие", "deadline": "2026-05-15T20:59:59Z",
                      "responsibleOrganisation": "Отдел соцзащиты г. Льгова", "owner": "organisation" },
                    { "title": "Пройти консультацию нарколога", "deadline": "2026-05-29T20:59:59Z",
                      "responsibleOrganisation": "Льговская ЦРБ", "owner": "family" }
                ]
            } }),
        )
        .await;
    v = version(&revised, "revisePlan");
    let done = curator
        .step(
            &case_id,
            v,
            "present_draft_programme",
            act("2026-04-17T07:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");
    // Approving without the working group's decision is refused, with the reason, and writes nothing.
    let refused = curator
        .step(
            &case_id,
            v,
            "approve_programme",
            act("2026-04-20T07:00:00Z"),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    let unchanged = curator.case(&case_id, "2026-04-20T07:00:00Z").await;
    assert_eq!(unchanged["version"], v);

    let mut approve = act("2026-04-20T07:00:00Z");
    approve["decisions"] = json!([working_group(
        "approved",
        &curator.user_id,
        &supervisor.user_id
    )]);
    let done = curator
        .step(&case_id, v, "approve_programme", approve)
        .await;
    v = version(&done, "performStep");
    let case = curator.case(&case_id, "2026-04-21T07:00:00Z").await;
    // seed 003 §1.5.2: the approved programme goes to all bodies within 3 working days — 23 April.
    assert_eq!(
        obligation(&case, "deadline:send_programme")["due"],
        "2026-04-23T20:59:59+00:00"
    );
    for (step, at) in [
        ("send_programme", "2026-04-22T07:00:00Z"),
        ("sign_support_contract", "2026-04-22T08:00:00Z"),
    ] {
        let done = curator.step(&case_id, v, step, act(at)).await;
        v = version(&done, "performStep");
    }

    // The monthly visit.
    let visit = curator
        .gql(
            "mutation($c: ID!) { recordContact(caseId: $c, input: { kind: \"home_visit\", at: \"2026-05-04T07:00:00Z\", data: { notes: \"Мать трезва, ребёнок в школе\" } }) { id } }",
            json!({ "c": case_id }),
        )
        .await;
    assert!(visit.errors().is_empty(), "{:#}", visit.body);
    let case = curator.case(&case_id, "2026-05-07T07:00:00Z").await;
    assert_eq!(
        obligation(&case, "recurring:monthly_home_visit#1")["status"],
        "MET"
    );

    let moved = curator
        .move_case(&case_id, v, "activity", act("2026-04-23T07:00:00Z"))
        .await;
    v = version(&moved, "moveCase");
    for (step, at) in [
        ("carry_out_programme", "2026-04-24T07:00:00Z"),
        ("intermediate_monitoring", "2026-05-15T07:00:00Z"),
    ] {
        let done = curator.step(&case_id, v, step, act(at)).await;
        v = version(&done, "performStep");
    }
    let moved = curator
        .move_case(&case_id, v, "reflective", act("2026-05-20T07:00:00Z"))
        .await;
    v = version(&moved, "moveCase");
    let done = curator
        .step(&case_id, v, "final_monitoring", act("2026-05-21T07:00:00Z"))
        .await;
    v = version(&done, "performStep");
    // seed 003 §1.5.4: the reflective stage lasts at least a month — the decision comes in June.
    let mut stop = act("2026-06-22T07:00:00Z");
    stop["decisions"] = json!([working_group("stop", &curator.user_id, &supervisor.user_id)]);
    let done = curator
        .step(&case_id, v, "decide_continue_or_stop", stop.clone())
        .await;
    v = version(&done, "performStep");
    // seed 003 §1.5.4: the family is in a socially dangerous situation, so the information goes
    // to the juvenile commission and the guardianship authority — an action alongside «stop».
    let done = curator
        .step(&case_id, v, "inform_kdn", act("2026-06-22T07:30:00Z"))
        .await;
    v = version(&done, "performStep");
    // Moving into follow-up is closing the case: through closeCase, with the criteria.
    let refused = curator.move_case(&case_id, v, "supporting", stop).await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    let closed = curator
        .gql(
            "mutation($c: ID!, $v: Int!, $i: CloseCaseInput!) {
                closeCase(caseId: $c, version: $v, input: $i) { status stage { key } closedAt postSupportUntil version }
            }",
            json!({ "c": case_id, "v": v, "i": {
                "confirmed": ["positive_dynamics", "school_attendance"],
                "actingAs": "family_curator",
                "at": "2026-06-22T08:00:00Z"
            } }),
        )
        .await;
    let closed = &closed.data()["closeCase"];
    // seed 003 §1.5.5: the supporting stage follows; the family is in follow-up for at most a
    // month — until 22 July.
    assert_eq!(closed["status"], "post_support");
    assert_eq!(closed["stage"]["key"], "supporting");
    assert_eq!(closed["postSupportUntil"], "2026-07-22T20:59:59+00:00");
    v = closed["version"].as_i64().unwrap();
    let passed = curator
        .ok(
            "query($id: ID!) { case(id: $id) { records(kind: \"event\") { key } } }",
            json!({ "id": case_id }),
        )
        .await;
    assert!(
        passed["case"]["records"]
            .as_array()
            .unwrap()
            .contains(&json!({ "key": "information_passed_to_kdn" })),
        "{passed:#}"
    );
    // seed 003 §3.1, §1.5.5: the monthly home visit goes on in the supporting stage.
    let supporting = curator.case(&case_id, "2026-07-10T07:00:00Z").await;
    let visits: Vec<&Value> = supporting["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| {
            o["key"]
                .as_str()
                .unwrap()
                .starts_with("recurring:monthly_home_visit")
        })
        .collect();
    assert!(
        visits
            .iter()
            .any(|o| o["status"] == "OVERDUE" || o["status"] == "DUE" || o["status"] == "UPCOMING"),
        "{visits:#?}"
    );
    // Ending the supporting stage closes the case through the variant's transition, once its
    // follow-up is done.
    let early = curator
        .gql(
            "mutation($c: ID!, $v: Int!) { endPostSupport(caseId: $c, version: $v, at: \"2026-07-20T07:00:00Z\") { status } }",
            json!({ "c": case_id, "v": v }),
        )
        .await;
    assert_eq!(early.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        early.error_message(),
        "не выполнены обязательные шаги: follow_up"
    );
    let done = curator
        .step(&case_id, v, "follow_up", act("2026-07-15T07:00:00Z"))
        .await;
    v = version(&done, "performStep");
    let ended = curator
        .gql(
            "mutation($c: ID!, $v: Int!) { endPostSupport(caseId: $c, version: $v, at: \"2026-07-20T07:00:00Z\") { status stage { key } } }",
            json!({ "c": case_id, "v": v }),
        )
        .await;
    assert_eq!(
        ended.data()["endPostSupport"],
        json!({ "status": "closed", "stage": { "key": "closed" } })
    );
    // After it ended nothing more is owed.
    let after = curator.case(&case_id, "2026-09-01T07:00:00Z").await;
    assert!(
        after["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] != "OVERDUE"
                || !o["key"].as_str().unwrap().starts_with("recurring:")),
        "{:#}",
        after["obligations"]
    );
}

async fn a_curator_with_six_sop_families_cannot_take_a_seventh(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "state_centre.curator2").await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;
    let sop = json!({ "family_category": "sop" });
    for n in 0..6 {
        let opened = supervisor
            .open_case(
                demo_family(&format!("Петров{n}")),
                sop.clone(),
                "2026-04-06T07:00:00Z",
                Some(&curator.user_id),
            )
            .await;
        assert!(opened.errors().is_empty(), "family {n}: {:#}", opened.body);
    }
    // seed 003 §1.8: no more than 6 families in a socially dangerous situation per curator; the
    // preset reads the caps as one weighted load, where a СОП family is 1/6 of it.
    let seventh = supervisor
        .open_case(
            demo_family("Сидоров"),
            sop.clone(),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    let seventh_id = seventh.data()["openCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = supervisor
        .assign_curator(&seventh_id, 1, &curator.user_id)
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert!(
        refused
            .error_message()
            .starts_with("Куратор ведёт 6 семей в СОП"),
        "{}",
        refused.error_message()
    );
    // Nothing was written: the case still has no curator.
    let case = supervisor.case(&seventh_id, "2026-04-07T07:00:00Z").await;
    assert_eq!(case["curatorId"], Value::Null);
    assert_eq!(case["version"], 1);
}
