//! Caseload limits hold under concurrency: assignments racing for a curator's last place can
//! never together exceed the limit.

use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::json;

db_suites!(
    concurrent_assignments_never_exceed_a_curators_limit,
    a_declined_family_frees_its_curators_place,
);

async fn concurrent_assignments_never_exceed_a_curators_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;
    let curator = Worker::sign_in(&app, "state_centre.curator").await;
    let sop = json!({ "family_category": "sop" });
    // seed 003 §1.8: six СОП families fill a curator's load; five are taken already.
    for n in 0..5 {
        let opened = supervisor
            .open_case(
                demo_family(&format!("Фёдоров{n}")),
                sop.clone(),
                "2026-04-06T07:00:00Z",
                Some(&curator.user_id),
            )
            .await;
        assert!(opened.errors().is_empty(), "{:#}", opened.body);
    }
    let mut waiting = Vec::new();
    for n in 0..6 {
        let opened = supervisor
            .open_case(
                demo_family(&format!("Ждущий{n}")),
                sop.clone(),
                "2026-04-06T07:00:00Z",
                None,
            )
            .await;
        waiting.push(opened.data()["openCase"]["id"].as_str().unwrap().to_owned());
    }
    // Six supervisors' requests at once, each for another family, all for the last place.
    let attempts = waiting
        .iter()
        .map(|id| supervisor.assign_curator(id, 1, &curator.user_id));
    let answers = futures::future::join_all(attempts).await;
    let allowed = answers.iter().filter(|a| a.errors().is_empty()).count();
    let refused: Vec<_> = answers.iter().filter(|a| !a.errors().is_empty()).collect();
    assert_eq!(
        allowed,
        1,
        "{:#?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    for answer in refused {
        assert_eq!(answer.error_code(), "BAD_USER_INPUT", "{:#}", answer.body);
    }
    let mine = curator
        .ok(
            "{ cases(filter: { mine: true }, first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["cases"]["edges"].as_array().unwrap().len(), 6);
}

async fn a_declined_family_frees_its_curators_place(backend: Backend) {
    let app = spawn_app(backend).await;
    let supervisor = Worker::sign_in(&app, "volunteers.supervisor").await;
    let curator = Worker::sign_in(&app, "volunteers.curator2").await;
    let mut last = None;
    // seed 001 §2.7: at most 15 families per case manager.
    for n in 0..15 {
        let opened = supervisor
            .open_case(
                demo_family(&format!("Лебедев{n}")),
                json!({}),
                "2026-04-06T07:00:00Z",
                Some(&curator.user_id),
            )
            .await;
        last = Some(opened.data()["openCase"].clone());
    }
    let waiting = supervisor
        .open_case(
            demo_family("Гусев"),
            json!({}),
            "2026-04-06T07:00:00Z",
            None,
        )
        .await;
    let waiting_id = waiting.data()["openCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = supervisor
        .assign_curator(&waiting_id, 1, &curator.user_id)
        .await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT");

    // After the first visit the team votes not to take one family (seed 001 §1.6): an informed
    // refusal.
    let last = last.unwrap();
    let team = Worker::sign_in(&app, "volunteers.specialist").await;
    let id = last["id"].as_str().unwrap();
    let received = curator
        .step(
            id,
            last["version"].as_i64().unwrap(),
            "receive_request",
            json!({ "actingAs": "case_manager" }),
        )
        .await;
    let moved = curator
        .move_case(
            id,
            received.data()["performStep"]["version"].as_i64().unwrap(),
            "first_visit",
            json!({ "actingAs": "case_manager" }),
        )
        .await;
    let v = moved.data()["moveCase"]["version"].as_i64().unwrap();
    let visited = curator
        .step(id, v, "visit", json!({ "actingAs": "case_manager" }))
        .await;
    let v = visited.data()["performStep"]["version"].as_i64().unwrap();
    let voted = supervisor
        .step(
            id,
            v,
            "vote_to_open",
            json!({ "actingAs": "coordinator", "decisions": [{ "key": "open_case_vote", "votes": [
                { "role": "case_manager", "person": curator.user_id, "choice": "decline" },
                { "role": "team", "person": team.user_id, "choice": "decline" },
                { "role": "coordinator", "person": supervisor.user_id, "choice": "decline" }
            ] }] }),
        )
        .await;
    let v = voted.data()["performStep"]["version"].as_i64().unwrap();
    let decline = "mutation($c: ID!, $v: Int!, $r: String!, $a: [String!]!) {
        declineCase(caseId: $c, version: $v, reasons: $r, alternatives: $a) { status closedAt }
    }";
    let no_alternatives = supervisor
        .gql(
            decline,
            json!({ "c": last["id"], "v": v, "r": "Семья не готова к сопровождению", "a": [] }),
        )
        .await;
    assert_eq!(no_alternatives.error_code(), "BAD_USER_INPUT");
    let declined = supervisor
        .gql(
            decline,
            json!({ "c": last["id"], "v": v, "r": "Семья не готова к сопровождению",
                    "a": ["Центр «Семья» по месту жительства"] }),
        )
        .await;
    assert_eq!(declined.data()["declineCase"]["status"], "declined");
    let assigned = supervisor
        .assign_curator(&waiting_id, 1, &curator.user_id)
        .await;
    assert!(assigned.errors().is_empty(), "{:#}", assigned.body);
}
