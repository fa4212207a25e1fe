//! Caseload limits hold under concurrency: assignments racing for a curator's last place can
//! never together exceed the limit.

use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::json;

db_suites!(concurrent_assignments_never_exceed_a_curators_limit);

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
