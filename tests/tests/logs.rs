//! Nothing personal goes to logs or traces. This test binary captures everything the application
//! logs — every level, every span with its fields — while a family goes through intake and case
//! work, and then looks for the family's names, address and notes in it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kurator_tests::casework::Worker;
use kurator_tests::{Backend, spawn_app};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Personal data of the test family: none of it may appear in the captured output.
const PERSONAL: [&str; 6] = [
    "Шишкина Варвара",
    "Шишкин Елисей",
    "ул. Заречная, д. 17",
    "2018-11-23",
    "Мать работает в ночную смену",
    "+7 900 111-22-33",
];

async fn walk(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "fund.curator").await;
    let supervisor = Worker::sign_in(&app, "fund.supervisor").await;
    let family = json!({
        "name": "Семья Шишкиных",
        "address": "г. Смоленск, ул. Заречная, д. 17",
        "members": [
            { "role": "mother", "name": "Шишкина Варвара", "phone": "+7 900 111-22-33" },
            { "role": "child", "name": "Шишкин Елисей", "birthDate": "2018-11-23" }
        ]
    });
    let registered = curator
        .register_signal(json!({
            "receivedAt": "2026-04-06T07:00:00Z",
            "source": "neighbours",
            "channel": "call",
            "requester": { "name": "Соседка", "contact": "+7 900 111-22-33" },
            "subject": { "name": "Шишкин Елисей", "birthDate": "2018-11-23", "address": "ул. Заречная, д. 17" },
            "parents": { "mother": { "name": "Шишкина Варвара", "occupation": "Мать работает в ночную смену" } },
            "grounds": "Шишкин Елисей часто один дома",
        }))
        .await;
    let id = registered.data()["registerSignal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let decided = supervisor
        .decide_signal(
            &id,
            1,
            json!({ "kind": "ACCEPT", "family": family }),
            "2026-04-06T08:00:00Z",
        )
        .await;
    let case_id = decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = supervisor.case(&case_id, "2026-04-07T07:00:00Z").await;
    let assigned = supervisor
        .assign_curator(
            &case_id,
            case["version"].as_i64().unwrap(),
            &curator.user_id,
        )
        .await;
    assert!(assigned.errors().is_empty(), "{:#}", assigned.body);
    let contact = curator
        .gql(
            "mutation($c: ID!) { recordContact(caseId: $c, input: { kind: \"phone_call\", data: { notes: \"Мать работает в ночную смену\" } }) { id } }",
            json!({ "c": case_id }),
        )
        .await;
    assert!(contact.errors().is_empty(), "{:#}", contact.body);
    // A refused step is logged too: its message must not carry the data.
    let refused = curator
        .step(
            &case_id,
            1,
            "visit_family",
            json!({ "actingAs": "curator", "note": "Шишкина Варвара не открыла дверь" }),
        )
        .await;
    assert!(!refused.errors().is_empty());
    // Sign-in failures with a name as the login are logged without it.
    app.try_login("Шишкина Варвара", "wrong").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logs_of_a_case_carry_no_personal_data() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    walk(Backend::embedded()).await;
    if let Some(backend) = Backend::postgres().await {
        walk(backend).await;
    }

    let output = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    assert!(
        output.len() > 10_000,
        "too little was captured to prove anything: {} bytes",
        output.len()
    );
    assert!(
        output.contains("case.view") || output.contains("perform") || output.contains("graphql")
    );
    for secret in PERSONAL {
        if let Some(at) = output.find(secret) {
            let start = output[..at].rfind('\n').unwrap_or(0);
            let end = output[at..].find('\n').map_or(output.len(), |e| at + e);
            panic!(
                "personal data «{secret}» in the logs:\n{}",
                &output[start..end]
            );
        }
    }
}
