//! The demo year (services/gateway/demo/year): every case of every demo organisation is seeded
//! through the method rules with nothing refused — a change of a variant that breaks the demo is
//! caught here — and each organisation shows the product: cases at every stage of its variant, a
//! case closed with its outcome, enough closed cases to be compared on the shared indicators, a
//! plan revised at least twice, and work overdue for its main demo curator.

use kurator_tests::casework::Worker;
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeMap;

db_suites!(every_demo_case_is_seeded_through_the_method_rules_and_shows_every_stage);

const CASES: &str = "{ cases(first: 100) { edges { node {
    id status stage { key } curatorId outcome overdue
    obligations { key status due }
    plan { number actions { doneAt deadline } }
} } } }";

fn nodes(answer: &Value) -> Vec<Value> {
    answer["cases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn every_demo_case_is_seeded_through_the_method_rules_and_shows_every_stage(
    backend: Backend,
) {
    // The demo organisations and people are there; their year is seeded here, so that what the
    // rules refuse is seen rather than logged.
    let app = spawn_app(backend).await;
    let services = &app.state.inner;
    let started = std::time::Instant::now();
    let report = kurator_gateway::demo::seed_year(&services.control, &services.tenants)
        .await
        .unwrap();
    eprintln!(
        "demo year: {} cases and signals seeded in {:.1} s",
        report.seeded,
        started.elapsed().as_secs_f64()
    );
    assert!(
        report.refused.is_empty(),
        "refused by the method rules:\n{}",
        report.refused.join("\n")
    );
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);

    for year in kurator_gateway::demo::years().unwrap() {
        let tenant = year.tenant.as_str();
        let variant = app
            .tenant_runtime(tenant)
            .current_variant()
            .unwrap()
            .clone();
        let lead = Worker::sign_in(&app, &year.intake_by).await;
        let cases = nodes(&lead.ok(CASES, json!({})).await);

        let mut by_stage: BTreeMap<String, usize> = BTreeMap::new();
        for case in &cases {
            *by_stage
                .entry(case["stage"]["key"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
        for case in &cases {
            *by_status
                .entry(case["status"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let overdue: Vec<String> = cases
            .iter()
            .flat_map(|c| {
                let at = format!(
                    "{}/{}",
                    c["status"].as_str().unwrap(),
                    c["stage"]["key"].as_str().unwrap()
                );
                c["obligations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|o| o["status"] == "OVERDUE")
                    .map(move |o| format!("{at}/{}", o["key"].as_str().unwrap()))
            })
            .collect();
        let signals = lead.ok("{ signals { status } }", json!({})).await;
        let mut by_signal: BTreeMap<String, usize> = BTreeMap::new();
        for signal in signals["signals"].as_array().unwrap() {
            *by_signal
                .entry(signal["status"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let mut by_curator: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for case in &cases {
            let load = by_curator
                .entry(case["curatorId"].as_str().unwrap_or("-").to_owned())
                .or_default();
            match case["status"].as_str().unwrap() {
                "intake" | "open" => load.0 += 1,
                "post_support" => load.1 += 1,
                _ => {}
            }
        }
        eprintln!(
            "{tenant}: {} cases; stages {by_stage:?}; statuses {by_status:?}; overdue {overdue:?}; signals {by_signal:?}; active and post-support by curator {:?}",
            cases.len(),
            by_curator.values().collect::<Vec<_>>()
        );

        // Every stage of the variant holds at least one case.
        for stage in variant.stages() {
            assert!(
                by_stage.contains_key(&stage.key),
                "{tenant}: no demo case at stage {}; stages {by_stage:?}",
                stage.key
            );
        }
        // A case closed through the variant's closure rule, with what it achieved.
        assert!(
            cases.iter().any(|c| {
                ["closed", "post_support"].contains(&c["status"].as_str().unwrap())
                    && c["outcome"]["outcomes"]
                        .as_array()
                        .is_some_and(|o| !o.is_empty())
            }),
            "{tenant}: no case closed with an outcome"
        );
        // Enough closed cases to compare the organisations on the shared indicators (issue 12:
        // counts from 1 to 5 are suppressed, a share needs a denominator of at least 20). The demo
        // counts back from seeding, so its closures fall in this calendar year or the last.
        let this_year = chrono::Datelike::year(&chrono::Utc::now());
        let mut closed = 0;
        for y in [this_year - 1, this_year] {
            let figures = lead
                .ok(
                    "query($y: Int!) { organisationIndicators(year: $y) { key year { numerator } } }",
                    json!({ "y": y }),
                )
                .await;
            closed += figures["organisationIndicators"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["key"] == "cases_closed")
                .unwrap()["year"]["numerator"]
                .as_i64()
                .unwrap();
        }
        assert!(
            closed >= 25,
            "{tenant}: {closed} cases closed in the demo year"
        );
        // A plan revised at least twice.
        assert!(
            cases
                .iter()
                .any(|c| c["plan"].as_array().is_some_and(|p| p.len() >= 2)),
            "{tenant}: no plan with two revisions"
        );
        // Signals still waiting for a decision.
        assert!(
            by_signal.get("new").is_some_and(|n| *n > 0),
            "{tenant}: no signal waiting for intake"
        );

        // The main demo curator's day: overdue work, where the variant sets any term at all (the
        // volunteers' variant deliberately has none, seed 001 §1.6).
        let curator = Worker::sign_in(&app, &year.main_curator).await;
        let own = nodes(&curator.ok(CASES, json!({})).await);
        let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
        for obligation in own
            .iter()
            .flat_map(|c| c["obligations"].as_array().unwrap())
        {
            *statuses
                .entry(obligation["status"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let now = chrono::Utc::now();
        let open: Vec<String> = own
            .iter()
            .flat_map(|c| {
                let stage = c["stage"]["key"].as_str().unwrap().to_owned();
                c["obligations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|o| {
                        ["OVERDUE", "DUE", "UPCOMING"].contains(&o["status"].as_str().unwrap())
                    })
                    .map(move |o| (stage.clone(), o.clone()))
            })
            .filter_map(|(stage, o)| {
                let due: chrono::DateTime<chrono::Utc> = o["due"].as_str()?.parse().ok()?;
                let days = (due - now).num_hours() as f64 / 24.0;
                (days < 3.0)
                    .then(|| format!("{stage}/{} {:+.1}d", o["key"].as_str().unwrap(), days))
            })
            .collect();
        // Open actions of the current plans: overdue, due within two days, later.
        let mut actions = (0, 0, 0);
        for case in own
            .iter()
            .filter(|c| ["intake", "open"].contains(&c["status"].as_str().unwrap()))
        {
            let Some(plan) = case["plan"].as_array().and_then(|p| p.last()) else {
                continue;
            };
            for action in plan["actions"].as_array().unwrap() {
                if !action["doneAt"].is_null() {
                    continue;
                }
                let due: chrono::DateTime<chrono::Utc> =
                    action["deadline"].as_str().unwrap().parse().unwrap();
                match (due - now).num_hours() {
                    h if h < 0 => actions.0 += 1,
                    h if h <= 48 => actions.1 += 1,
                    _ => actions.2 += 1,
                }
            }
        }
        eprintln!(
            "{tenant}: {} holds {} cases; obligations {statuses:?}; due within 3 days or overdue: {open:?}; open plan actions (overdue, within 2 days, later) {actions:?}",
            year.main_curator,
            own.len()
        );
        let doc = variant.doc();
        let has_terms = variant.deadlines().next().is_some()
            || !doc.recurring.is_empty()
            || doc.case_duration.is_some();
        if has_terms {
            assert!(
                own.iter().any(|c| c["overdue"] == true),
                "{tenant}: nothing overdue for {}",
                year.main_curator
            );
            assert!(
                statuses.get("UPCOMING").is_some_and(|n| *n >= 3),
                "{tenant}: too little coming for {}: {statuses:?}",
                year.main_curator
            );
        }
    }

    // Seeding again leaves every organisation alone.
    let again = kurator_gateway::demo::seed_year(&services.control, &services.tenants)
        .await
        .unwrap();
    assert_eq!(again.seeded, 0);
    assert_eq!(again.skipped.len(), 4, "{:?}", again.skipped);
}
