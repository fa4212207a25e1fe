//! How fast the web interface's screens answer for a curator with 15 cases: not a test, a
//! measurement to run on a release build.
//!
//! `cargo run --release -p kurator-tests --example pages -- [embedded|postgres] [requests]`
//!
//! A state-centre curator gets 15 families (the method allows 24 in need of support), each with
//! a few visits; then every screen is requested one after another over loopback and the round
//! trip — server time plus loopback HTTP — is printed as p50 / p95 / max in milliseconds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, spawn_app};
use serde_json::json;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let backend = match args.next().as_deref().unwrap_or("embedded") {
        "postgres" => Backend::postgres()
            .await
            .expect("KURATOR_TEST_DATABASE_URL"),
        _ => Backend::embedded(),
    };
    let requests: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    println!("backend: {}, {requests} requests per screen", backend.name);
    let app = spawn_app(backend).await;
    let supervisor = Worker::sign_in(&app, "state_centre.supervisor").await;
    let curator = Worker::sign_in(&app, "state_centre.curator").await;
    let opened_at = (chrono::Utc::now() - chrono::Duration::days(40)).to_rfc3339();
    let mut cases = Vec::new();
    for n in 0..15 {
        let opened = supervisor
            .open_case(
                demo_family(&format!("Замеров{n}")),
                json!({ "family_category": "needs_support" }),
                &opened_at,
                Some(&curator.user_id),
            )
            .await;
        assert!(opened.errors().is_empty(), "{:#}", opened.body);
        let id = opened.data()["openCase"]["id"].as_str().unwrap().to_owned();
        for visit in 0..3 {
            curator
                .ok(
                    "mutation($c: ID!, $n: String!) { recordContact(caseId: $c, input: { kind: \"home_visit\", data: { notes: $n } }) { id } }",
                    json!({ "c": id, "n": format!("Визит {visit}") }),
                )
                .await;
        }
        cases.push(id);
    }

    let client = app.web_session("state_centre.curator").await;

    let case = &cases[7];
    let screens = [
        ("Мой день", "/o/state_centre/day".to_owned()),
        ("случаи", "/o/state_centre/cases".to_owned()),
        ("карточка случая", format!("/o/state_centre/cases/{case}")),
        ("план", format!("/o/state_centre/cases/{case}/plan")),
        ("визит", format!("/o/state_centre/cases/{case}/visit")),
        (
            "печать карточки",
            format!("/o/state_centre/cases/{case}/print"),
        ),
        ("обращения", "/o/state_centre/signals".to_owned()),
        ("новое обращение", "/o/state_centre/signals/new".to_owned()),
    ];
    println!(
        "{:<20} {:>8} {:>8} {:>8}",
        "screen", "p50 ms", "p95 ms", "max ms"
    );
    for (name, path) in &screens {
        let url = format!("{}{path}", app.address);
        for _ in 0..5 {
            client
                .get(&url)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
        }
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let started = Instant::now();
            let answer = client.get(&url).send().await.unwrap();
            assert_eq!(answer.status(), 200, "{path}");
            answer.bytes().await.unwrap();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        println!(
            "{name:<20} {:>8.2} {:>8.2} {:>8.2}",
            at(0.5),
            at(0.95),
            times[times.len() - 1]
        );
    }
}
