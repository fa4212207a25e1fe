//! Stored obligations are what the method engine computes: over random histories of clinic cases
//! (contacts at random moments, risk changes, the case moving on through its plan to closure and
//! follow-up), after every change the open obligations kept in `case_obligations` equal, key for
//! key and due instant for due instant, the open obligations the engine computes for the card.

use crate::permissions::kit;
use chrono::{DateTime, Utc};
use kurator_store::tenant::obligations;
use kurator_tests::casework::Worker;
use kurator_tests::{Backend, TestApp, db_suites, spawn_app};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::json;

db_suites!(
    stored_obligations_equal_the_engines_over_random_histories,
    a_contact_reads_the_case_then_its_facts_with_its_stored_obligations_at_once
);

#[derive(Debug, Clone)]
enum Op {
    Contact {
        kind: &'static str,
        days_ago: i64,
    },
    Risk(&'static str),
    /// The next step of the clinic's way: the file opened, the plan, closure into follow-up.
    MoveOn,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (prop::sample::select(vec!["home_visit", "phone_call"]), 0i64..60)
            .prop_map(|(kind, days_ago)| Op::Contact { kind, days_ago }),
        2 => prop::sample::select(vec!["high", "medium", "low"]).prop_map(Op::Risk),
        2 => Just(Op::MoveOn),
    ]
}

async fn stored_equals_engine(app: &TestApp, who: &Worker<'_>, case: &str, history: &[Op]) {
    let runtime = app.tenant_runtime("clinic");
    let tx = runtime.begin().await.unwrap();
    let stored = obligations::of_case(&tx, case.parse().unwrap())
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let mut stored: Vec<(String, DateTime<Utc>)> =
        stored.into_iter().map(|o| (o.key, o.due_at)).collect();
    stored.sort();
    let card = who.case(case, &Utc::now().to_rfc3339()).await;
    let mut computed: Vec<(String, DateTime<Utc>)> = card["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| ["UPCOMING", "DUE", "OVERDUE"].contains(&o["status"].as_str().unwrap()))
        .map(|o| {
            (
                o["key"].as_str().unwrap().to_owned(),
                o["due"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    computed.sort();
    assert_eq!(stored, computed, "after {history:?}");
}

async fn set_risk(who: &Worker<'_>, case: &str, v: i64, risk: &str) -> i64 {
    let set = who
        .gql(
            kit::SET_ATTRIBUTE,
            json!({ "c": case, "v": v, "k": "risk", "val": risk }),
        )
        .await;
    kit::ok(&set, "setCaseAttribute")["setCaseAttribute"]["version"]
        .as_i64()
        .unwrap()
}

async fn stored_obligations_equal_the_engines_over_random_histories(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = kit::clinic_team(&app).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let mut runner = TestRunner::deterministic();
    let histories = prop::collection::vec(op(), 1..9);
    for _ in 0..6 {
        let history = histories.new_tree(&mut runner).unwrap().current();
        let (case, mut v) = kit::open_case(&lead, Some(&curator.user_id)).await;
        let mut phase = 0;
        let mut risk = "high";
        let mut done = Vec::new();
        stored_equals_engine(&app, &curator, &case, &done).await;
        for op in history {
            match &op {
                Op::Contact { kind, days_ago } => {
                    let at = Utc::now() - chrono::Duration::days(*days_ago);
                    let recorded = curator
                        .gql(
                            kit::RECORD_CONTACT,
                            json!({ "c": case, "i": { "kind": kind, "at": at } }),
                        )
                        .await;
                    kit::ok(&recorded, "recordContact");
                    v = curator.case(&case, &Utc::now().to_rfc3339()).await["version"]
                        .as_i64()
                        .unwrap();
                }
                Op::Risk(to) => {
                    v = set_risk(&curator, &case, v, to).await;
                    risk = to;
                }
                Op::MoveOn => {
                    phase += 1;
                    if phase == 1 && risk != "high" {
                        // The way `kit` opens a file is the high-risk one (urgent protection).
                        v = set_risk(&curator, &case, v, "high").await;
                        risk = "high";
                    }
                    v = match phase {
                        1 => kit::to_plan_stage(&curator, &case, v).await,
                        2 => kit::add_plan(&curator, &case, v).await.0,
                        3 => {
                            let v = kit::bring_to_closure(&curator, &lead, &case, v, &team).await;
                            kit::close(&curator, &case, v).await
                        }
                        _ => v,
                    };
                }
            }
            done.push(op);
            stored_equals_engine(&app, &curator, &case, &done).await;
        }
    }
}

/// Recording a visit reads two things: the case (is it in the curator's scope, under which
/// version of the method) and, at commit, what its obligations are computed from together with
/// what is stored of them — one statement, not one for the facts and another for the stored
/// obligations. Every statement is a turn to the database and back on the visit's way.
async fn a_contact_reads_the_case_then_its_facts_with_its_stored_obligations_at_once(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "clinic.supervisor").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let (case, _) = kit::open_case(&lead, Some(&curator.user_id)).await;
    let runtime = app.tenant_runtime("clinic");
    runtime.statement_counter().start_recording();
    let recorded = curator
        .gql(
            kit::RECORD_CONTACT,
            json!({ "c": case, "i": { "kind": "home_visit", "at": Utc::now() } }),
        )
        .await;
    kit::ok(&recorded, "recordContact");
    let statements = runtime.statement_counter().stop_recording();
    let reads: Vec<&str> = statements
        .iter()
        .map(|s| s.sql.as_str())
        .filter(|sql| sql.trim_start().to_uppercase().starts_with("SELECT"))
        .filter(|sql| !sql.contains("set_config"))
        .collect();
    assert_eq!(reads.len(), 2, "{reads:#?}");
    assert!(reads[0].contains("\"cases\""), "{}", reads[0]);
    assert!(
        reads[1].contains("case_records") && reads[1].contains("case_obligations"),
        "{}",
        reads[1]
    );
}
