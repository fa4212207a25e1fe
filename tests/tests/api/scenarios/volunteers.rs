//! Foundation «Волонтеры в помощь детям-сиротам» (seed 001). Times are in Moscow (UTC+3).

use kurator_tests::casework::{Worker, demo_family, version};
use kurator_tests::{Backend, GqlResponse, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    a_family_opens_only_after_the_team_votes_and_closes_with_its_social_results,
    a_case_manager_with_fifteen_families_cannot_take_a_sixteenth,
);

fn request(received_at: &str) -> Value {
    json!({
        "receivedAt": received_at,
        "source": "family",
        "channel": "call",
        "requester": { "name": "Кузнецова Ольга", "relation": "мать" },
        "subject": { "name": "Семья Кузнецовых", "address": "Московская обл., г. Серпухов" },
        "parents": { "mother": { "name": "Кузнецова Ольга", "whereabouts": "дома", "occupation": "не работает" } },
        "grounds": "Мать просит помощи: долги, угроза ограничения в родительских правах",
        "followUp": "Первичное посещение психологом"
    })
}

/// What a person acting in a variant role brings to a step or a move.
fn act(role: &str, at: &str) -> Value {
    json!({ "actingAs": role, "at": at })
}

/// The voters on opening a case, by user id: the case manager, a member of the team and the
/// coordinator.
struct Voters {
    case_manager: String,
    team: String,
    coordinator: String,
}

/// The team's vote on opening the case by the first-visit report, each by the member holding
/// the role.
fn vote(voters: &Voters, case_manager: &str, team: &str, coordinator: &str) -> Value {
    json!([{
        "key": "open_case_vote",
        "votes": [
            { "role": "case_manager", "person": voters.case_manager, "choice": case_manager },
            { "role": "team", "person": voters.team, "choice": team },
            { "role": "coordinator", "person": voters.coordinator, "choice": coordinator }
        ]
    }])
}

fn reasons(response: &GqlResponse) -> Vec<String> {
    response.errors()[0]["extensions"]["details"]["reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("no reasons in {:#}", response.body))
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

const SET_ATTRIBUTE: &str = "mutation($c: ID!, $v: Int!, $k: String!, $x: String!, $at: DateTime) {
    setCaseAttribute(caseId: $c, version: $v, key: $k, value: $x, at: $at) { version attributes }
}";

async fn set_attribute(
    worker: &Worker<'_>,
    case_id: &str,
    v: i64,
    key: &str,
    value: &str,
    at: &str,
) -> i64 {
    let set = worker
        .gql(
            SET_ATTRIBUTE,
            json!({ "c": case_id, "v": v, "k": key, "x": value, "at": at }),
        )
        .await;
    assert_eq!(set.data()["setCaseAttribute"]["attributes"][key], value);
    version(&set, "setCaseAttribute")
}

/// The `from → to` of every change of one attribute, oldest first.
async fn history(worker: &Worker<'_>, case_id: &str, key: &str) -> Vec<(Value, Value)> {
    let answer = worker
        .ok(
            "query($id: ID!, $k: String!) { case(id: $id) { attributeHistory(key: $k) { at data } } }",
            json!({ "id": case_id, "k": key }),
        )
        .await;
    answer["case"]["attributeHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["data"]["from"].clone(), r["data"]["to"].clone()))
        .collect()
}

/// The ids of the cases of one type.
async fn with_type(worker: &Worker<'_>, case_type: &str) -> Vec<String> {
    let answer = worker
        .ok(
            "query($t: String!) { cases(filter: { attributes: [{ key: \"case_type\", value: $t }] }, first: 100) { edges { node { id } } } }",
            json!({ "t": case_type }),
        )
        .await;
    answer["cases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_family_opens_only_after_the_team_votes_and_closes_with_its_social_results(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let manager = Worker::sign_in(&app, "volunteers.curator").await;
    let supervisor = Worker::sign_in(&app, "volunteers.supervisor").await;
    let voters = Voters {
        case_manager: manager.user_id.clone(),
        team: Worker::sign_in(&app, "volunteers.specialist").await.user_id,
        coordinator: supervisor.user_id.clone(),
    };

    // The mother calls on Monday 6 April 2026, 10:00 in Moscow.
    let registered = manager
        .register_signal(request("2026-04-06T07:00:00Z"))
        .await;
    let decided = supervisor
        .decide_signal(
            registered.data()["registerSignal"]["id"].as_str().unwrap(),
            1,
            json!({ "kind": "ACCEPT", "family": demo_family("Кузнецов") }),
            "2026-04-06T08:00:00Z",
        )
        .await;
    let case_id = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    // seed 001 §1.6: the case manager, a psychologist, is matched to the family.
    let assigned = supervisor
        .assign_curator(&case_id, 1, &manager.user_id)
        .await;
    assert_eq!(
        assigned.data()["assignCurator"]["caseload"]["decision"],
        "allowed"
    );
    let mut v = assigned.data()["assignCurator"]["case"]["version"]
        .as_i64()
        .unwrap();
    let case = manager.case(&case_id, "2026-04-06T09:00:00Z").await;
    assert_eq!(case["status"], "intake");
    assert_eq!(case["stage"]["key"], "request");
    // seed 001 §1.6: no rigid time limits for the support or any of its stages — nothing is owed.
    assert_eq!(case["obligations"], json!([]));

    let moved = manager
        .move_case(
            &case_id,
            v,
            "first_visit",
            act("case_manager", "2026-04-07T07:00:00Z"),
        )
        .await;
    v = version(&moved, "moveCase");
    let mut visit = act("case_manager", "2026-04-09T08:00:00Z");
    visit["artefacts"] = json!([{ "key": "first_visit_report", "content": {
        "situation": "Мать одна с двумя детьми, долги за квартиру, готова к работе с психологом"
    } }]);
    let done = manager.step(&case_id, v, "visit", visit).await;
    v = version(&done, "performStep");

    // seed 001 §1.6, §6.2: the case opens only after the team votes on the first-visit report.
    let refused = manager
        .move_case(
            &case_id,
            v,
            "assessment",
            act("case_manager", "2026-04-10T07:00:00Z"),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert!(
        reasons(&refused).contains(&"нет решения «open_case_vote»".to_owned()),
        "{:#}",
        refused.body
    );
    let unchanged = manager.case(&case_id, "2026-04-10T07:00:00Z").await;
    assert_eq!(unchanged["version"], v);
    assert_eq!(unchanged["status"], "intake");
    assert_eq!(unchanged["stage"]["key"], "first_visit");

    // The team votes by majority, and the majority declines: the vote is recorded and the case
    // does not open — it stays in intake (nothing marks it «declined»).
    let mut declined = act("coordinator", "2026-04-10T08:00:00Z");
    declined["decisions"] = vote(&voters, "decline", "decline", "open");
    let done = supervisor.step(&case_id, v, "vote_to_open", declined).await;
    v = version(&done, "performStep");
    let refused = manager
        .move_case(
            &case_id,
            v,
            "assessment",
            act("case_manager", "2026-04-10T09:00:00Z"),
        )
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&refused),
        ["решение «open_case_vote»: нужно «open», принято «decline»"]
    );
    let case = manager.case(&case_id, "2026-04-10T09:00:00Z").await;
    assert_eq!(case["version"], v);
    assert_eq!(case["status"], "intake");

    // After a second visit the team votes again, and the majority opens the case.
    let mut opened = act("case_manager", "2026-04-17T07:00:00Z");
    opened["decisions"] = vote(&voters, "open", "open", "decline");
    let moved = manager.move_case(&case_id, v, "assessment", opened).await;
    let moved = moved.data()["moveCase"].clone();
    assert_eq!(moved["status"], "open");
    assert_eq!(moved["stage"]["key"], "assessment");
    assert_eq!(moved["openedAt"], "2026-04-17T07:00:00+00:00");
    v = moved["version"].as_i64().unwrap();
    let votes = manager
        .ok(
            "query($id: ID!) { case(id: $id) { records(kind: \"decision\") { key at data } } }",
            json!({ "id": case_id }),
        )
        .await;
    let outcomes: Vec<&Value> = votes["case"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["data"]["outcome"])
        .collect();
    assert_eq!(outcomes, [&json!("decline"), &json!("open")]);

    // seed 001 §1.6, §2.6: a motivational case — the parent is not ready yet; §2.3, §3.3: her
    // readiness to change is tracked from the start.
    v = set_attribute(
        &manager,
        &case_id,
        v,
        "case_type",
        "motivational",
        "2026-04-17T08:00:00Z",
    )
    .await;
    v = set_attribute(
        &manager,
        &case_id,
        v,
        "readiness",
        "precontemplation",
        "2026-04-17T08:00:00Z",
    )
    .await;
    assert!(
        with_type(&supervisor, "motivational")
            .await
            .contains(&case_id)
    );
    let hopeless = manager
        .gql(
            SET_ATTRIBUTE,
            json!({ "c": case_id, "v": v, "k": "case_type", "x": "hopeless", "at": "2026-04-17T08:00:00Z" }),
        )
        .await;
    assert_eq!(hopeless.error_code(), "BAD_USER_INPUT");

    let mut agreement = act("case_manager", "2026-04-20T07:00:00Z");
    agreement["consents"] = json!(["data_consent"]);
    let done = manager.step(&case_id, v, "agreement", agreement).await;
    v = version(&done, "performStep");
    let moved = manager
        .move_case(
            &case_id,
            v,
            "planning",
            act("case_manager", "2026-04-27T07:00:00Z"),
        )
        .await;
    v = version(&moved, "moveCase");
    let revised = manager
        .gql(
            "mutation($c: ID!, $v: Int!, $i: PlanRevisionInput!) { revisePlan(caseId: $c, version: $v, input: $i) { version plan { number actions { owner } } } }",
            json!({ "c": case_id, "v": v, "i": {
                "meetingDate": "2026-04-28T07:00:00Z",
                "participants": ["Козлова Д. (кейс-менеджер)", "Кузнецова О. (мать)"],
                "actions": [
                    { "title": "Консультация юриста по долгам", "deadline": "2026-05-15T20:59:59Z",
                      "responsibleUserId": manager.user_id, "owner": "organisation" },
                    { "title": "Мать встаёт на учёт в центр занятости", "deadline": "2026-05-29T20:59:59Z",
                      "responsibleOrganisation": "Центр занятости г. Серпухова", "owner": "family" }
                ]
            } }),
        )
        .await;
    v = version(&revised, "revisePlan");
    let done = manager
        .step(
            &case_id,
            v,
            "draw_up_plan",
            act("case_manager", "2026-04-28T07:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");
    let moved = manager
        .move_case(
            &case_id,
            v,
            "support",
            act("case_manager", "2026-04-29T07:00:00Z"),
        )
        .await;
    v = version(&moved, "moveCase");

    // The parent moves on: she is ready to plan, then acts, and the case becomes ordinary.
    for (value, at) in [
        ("contemplation", "2026-05-12T07:00:00Z"),
        ("preparation", "2026-05-26T07:00:00Z"),
        ("action", "2026-06-09T07:00:00Z"),
    ] {
        v = set_attribute(&manager, &case_id, v, "readiness", value, at).await;
    }
    v = set_attribute(
        &manager,
        &case_id,
        v,
        "case_type",
        "ordinary",
        "2026-06-09T07:00:00Z",
    )
    .await;
    assert_eq!(
        history(&manager, &case_id, "case_type").await,
        [
            (Value::Null, json!("motivational")),
            (json!("motivational"), json!("ordinary"))
        ]
    );
    assert_eq!(
        history(&manager, &case_id, "readiness").await,
        [
            (Value::Null, json!("precontemplation")),
            (json!("precontemplation"), json!("contemplation")),
            (json!("contemplation"), json!("preparation")),
            (json!("preparation"), json!("action"))
        ]
    );
    // The type is part of monitoring: the case lists by its current type.
    assert!(with_type(&supervisor, "ordinary").await.contains(&case_id));
    assert!(
        !with_type(&supervisor, "motivational")
            .await
            .contains(&case_id)
    );

    for (step, at) in [
        ("carry_out_plan", "2026-05-05T07:00:00Z"),
        ("update_analytical_report", "2026-06-01T07:00:00Z"),
    ] {
        let done = manager
            .step(&case_id, v, step, act("case_manager", at))
            .await;
        v = version(&done, "performStep");
    }
    // Two months of support without a single visit: still nothing is owed, and nothing is late.
    let case = manager.case(&case_id, "2026-06-30T07:00:00Z").await;
    assert_eq!(case["obligations"], json!([]));
    assert_eq!(case["overdue"], false);

    // seed 001 §1.6: closing is a conference decision (here an extended one, with the mother).
    let conference = |recorded: &str| {
        let mut input = act("case_manager", "2026-06-23T07:00:00Z");
        input["decisions"] = json!([{
            "key": "case_conference",
            "participants": [
                { "person": manager.user_id, "role": "case_manager" },
                { "person": supervisor.user_id, "role": "supervisor" },
                { "person": "Кузнецова О.", "role": "мать", "organisation": "семья" }
            ],
            "recorded": recorded
        }]);
        input
    };
    let refused = manager
        .move_case(&case_id, v, "closure", conference("continue"))
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reasons(&refused),
        ["решение «case_conference»: нужно «close», принято «continue»"]
    );
    let moved = manager
        .move_case(&case_id, v, "closure", conference("close"))
        .await;
    v = version(&moved, "moveCase");
    let done = manager
        .step(
            &case_id,
            v,
            "closing_conference",
            act("case_manager", "2026-06-23T08:00:00Z"),
        )
        .await;
    v = version(&done, "performStep");

    // seed 001 §2.4, §4.1: the social results counted over cases closed in the year.
    let close = "mutation($c: ID!, $v: Int!, $i: CloseCaseInput!) { closeCase(caseId: $c, version: $v, input: $i) { status closedAt postSupportUntil outcome } }";
    let unknown = manager
        .gql(
            close,
            json!({ "c": case_id, "v": v, "i": { "improvedDomains": ["happiness"], "actingAs": "case_manager", "at": "2026-06-24T07:00:00Z" } }),
        )
        .await;
    assert_eq!(unknown.error_code(), "BAD_USER_INPUT");
    let closed = manager
        .gql(
            close,
            json!({ "c": case_id, "v": v, "i": {
                "confirmed": ["child_safe", "quality_of_life"],
                "outcomes": ["child_safe_in_family", "quality_of_life_improved"],
                "improvedDomains": ["material_wellbeing", "psychological_state"],
                "actingAs": "case_manager",
                "at": "2026-06-24T07:00:00Z"
            } }),
        )
        .await;
    let closed = closed.data()["closeCase"].clone();
    // The volunteers set no follow-up period: the case is closed.
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closedAt"], "2026-06-24T07:00:00+00:00");
    assert_eq!(closed["postSupportUntil"], Value::Null);
    let outcome = &closed["outcome"];
    assert_eq!(
        outcome["outcomes"],
        json!(["child_safe_in_family", "quality_of_life_improved"])
    );
    assert_eq!(
        outcome["improved_domains"],
        json!(["material_wellbeing", "psychological_state"])
    );
    // seed 001 §2.4: the criteria guide the team, they do not bar closing.
    assert_eq!(outcome["advisory"], true);
    assert_eq!(outcome["missing"], json!(["parent_initiative"]));
}

async fn a_case_manager_with_fifteen_families_cannot_take_a_sixteenth(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = Worker::sign_in(&app, "volunteers.curator2").await;
    let supervisor = Worker::sign_in(&app, "volunteers.supervisor").await;
    for n in 1..=14 {
        let opened = supervisor
            .open_case(
                demo_family(&format!("Соколов{n}")),
                json!({}),
                "2026-04-06T07:00:00Z",
                Some(&manager.user_id),
            )
            .await;
        assert!(opened.errors().is_empty(), "family {n}: {:#}", opened.body);
    }
    // There is no optimum below the cap: the fifteenth family comes without a warning.
    let fifteenth = supervisor
        .open_case(
            demo_family("Соколов15"),
            json!({}),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    let fifteenth = fifteenth.data()["openCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let assigned = supervisor
        .assign_curator(&fifteenth, 1, &manager.user_id)
        .await;
    assert_eq!(
        assigned.data()["assignCurator"]["caseload"],
        json!({ "decision": "allowed", "reason": null })
    );

    // seed 001 §2.7: no more than 15 families per case manager.
    let sixteenth = supervisor
        .open_case(
            demo_family("Соколов16"),
            json!({}),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    let sixteenth = sixteenth.data()["openCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = supervisor
        .assign_curator(&sixteenth, 1, &manager.user_id)
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        refused.error_message(),
        "Куратор ведёт 15 семей из 15 допустимых"
    );
    let case = supervisor.case(&sixteenth, "2026-04-07T07:00:00Z").await;
    assert_eq!(case["curatorId"], Value::Null);
    assert_eq!(case["version"], 1);
}
