//! A quick local load loop, not a test: requests per second and latencies of a few requests
//! against the real application (in this process, on port 0), to compare builds by hand.
//!
//! `cargo run --release -p kurator-tests --example load -- [embedded|postgres|redis] [seconds]`
//! (`postgres` and `redis` need `KURATOR_TEST_DATABASE_URL` / `KURATOR_TEST_REDIS_URL`).
//!
//! It prints: `/health/live` and an authenticated `{ __typename }` with 8 clients; case cards
//! with 1 and 8 clients; `recordContact` one after another (p50/p99); and, for scale, a raw
//! `INSERT` + `COMMIT` of a similar row on the same kind of database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kurator_tests::casework::{CASE_FIELDS, Worker};
use kurator_tests::{Backend, TestApp, spawn_app};
use sea_orm::{ConnectionTrait, Database, Statement, TransactionTrait};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let backend = match args.next().as_deref().unwrap_or("embedded") {
        "postgres" => Backend::postgres()
            .await
            .expect("KURATOR_TEST_DATABASE_URL"),
        "redis" => Backend::redis().expect("KURATOR_TEST_REDIS_URL"),
        _ => Backend::embedded(),
    };
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let run_for = Duration::from_secs(seconds);
    let raw_url = match &backend.postgres {
        Some(_) => backend.tenant_url("clinic"),
        None => format!(
            "sqlite://{}/raw.sqlite?mode=rwc",
            backend.data_dir.path().display()
        ),
    };
    println!("backend: {}", backend.name);
    let app = spawn_app(backend).await;
    let (curator, case) = clinic_case(&app).await;

    let health = run(&app, None, 8, run_for, |app: &Target, _: &str| {
        let request = app.client.get(format!("{}/health/live", app.address));
        async move { request.send().await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    let token = curator.token.clone();
    let typename = run(
        &app,
        Some(&token),
        8,
        run_for,
        |app: &Target, token: &str| gql(app, token, "{ __typename }", json!({})),
    )
    .await;
    println!(
        "/health/live: {:.0} req/s; {{ __typename }} signed in: {:.0} req/s ({:.2}×)",
        health.rate,
        typename.rate,
        typename.rate / health.rate
    );

    let card = format!("query($id: ID!) {{ case(id: $id) {{ {CASE_FIELDS} }} }}");
    let mut rates = Vec::new();
    for clients in [1, 8] {
        let (card, case) = (card.clone(), case.clone());
        let result = run(
            &app,
            Some(&token),
            clients,
            run_for,
            move |app: &Target, token: &str| gql(app, token, &card, json!({ "id": case })),
        )
        .await;
        println!(
            "case card, {clients} client(s): {:.0} req/s, p50 {:?}, p99 {:?}, failed {}",
            result.rate, result.p50, result.p99, result.failed
        );
        rates.push(result.rate);
    }
    println!("case card, 8 vs 1 client: {:.2}×", rates[1] / rates[0]);

    let contact =
        "mutation($c: ID!, $i: RecordEntryInput!) { recordContact(caseId: $c, input: $i) { id } }";
    let case_id = case.clone();
    let recorded = run(&app, Some(&token), 1, run_for, move |app: &Target, token: &str| {
        gql(
            app,
            token,
            contact,
            json!({ "c": case_id, "i": { "kind": "home_visit", "data": { "notes": "Мать дома" } } }),
        )
    })
    .await;
    println!(
        "recordContact: {:.0} req/s, p50 {:?}, p99 {:?}, failed {}",
        recorded.rate, recorded.p50, recorded.p99, recorded.failed
    );

    let raw = raw_insert(&raw_url, run_for).await;
    println!(
        "raw INSERT + COMMIT: p50 {:?}, p99 {:?}; recordContact p99 / raw p99 = {:.1}×",
        raw.p50,
        raw.p99,
        recorded.p99.as_secs_f64() / raw.p99.as_secs_f64()
    );
}

/// A clinic curator and a case of theirs.
async fn clinic_case(app: &TestApp) -> (Worker<'_>, String) {
    let admin = Worker::sign_in(app, "clinic.admin").await;
    let supervisor = Worker::sign_in(app, "clinic.supervisor").await;
    let curator = Worker::sign_in(app, "clinic.curator").await;
    admin
        .grant_method_role(&supervisor.user_id, "social_worker")
        .await;
    let opened = supervisor
        .gql(
            "mutation($input: OpenCaseInput!) { openCase(input: $input) { id } }",
            json!({ "input": {
                "family": { "child": "Сейтов Алихан", "birthDate": "2023-01-15", "mother": "Сейтова Айжан" },
                "attributes": { "risk": "high" },
                "curatorId": curator.user_id,
            } }),
        )
        .await;
    let case = opened.data()["openCase"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("openCase: {:#}", opened.body))
        .to_owned();
    (curator, case)
}

fn gql(
    app: &Target,
    token: &str,
    query: &str,
    variables: Value,
) -> impl Future<Output = bool> + Send + use<> {
    let request = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .header("X-Kurator-Tenant", "clinic")
        .json(&json!({ "query": query, "variables": variables }));
    async move {
        let Ok(response) = request.send().await else {
            return false;
        };
        let Ok(body) = response.json::<Value>().await else {
            return false;
        };
        body.get("errors").is_none()
    }
}

struct Outcome {
    rate: f64,
    p50: Duration,
    p99: Duration,
    failed: usize,
}

/// Sends requests from `clients` tasks, each waiting for its answer before the next, for
/// `run_for`.
async fn run<F, Fut>(
    app: &TestApp,
    token: Option<&str>,
    clients: usize,
    run_for: Duration,
    request: F,
) -> Outcome
where
    F: Fn(&Target, &str) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let request = Arc::new(request);
    let token = token.unwrap_or_default().to_owned();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (request, token) = (request.clone(), token.clone());
        let target = Target {
            address: app.address.clone(),
            client: app.client.clone(),
        };
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0;
            while started.elapsed() < run_for {
                let sent = Instant::now();
                let ok = request(&target, &token).await;
                latencies.push(sent.elapsed());
                if !ok {
                    failed += 1;
                }
            }
            (latencies, failed)
        }));
    }
    let mut latencies = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (l, f) = task.await.unwrap();
        latencies.extend(l);
        failed += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    Outcome {
        rate: latencies.len() as f64 / elapsed,
        p50: at(0.5),
        p99: at(0.99),
        failed,
    }
}

/// Where requests go, cheap to hand to a task (the client shares its connection pool).
#[derive(Clone)]
struct Target {
    address: String,
    client: reqwest::Client,
}

/// `INSERT` + `COMMIT` of one row like a case record, one after another, on a database of the
/// same kind as the application's.
async fn raw_insert(url: &str, run_for: Duration) -> Outcome {
    let db = Database::connect(url).await.unwrap();
    let backend = db.get_database_backend();
    if backend == sea_orm::DatabaseBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL;")
            .await
            .unwrap();
    }
    db.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS raw_records (id TEXT PRIMARY KEY, case_id TEXT, kind TEXT, \
         data TEXT, created_at TEXT)",
    )
    .await
    .unwrap();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "INSERT INTO raw_records VALUES ($1, $2, 'contact', $3, $4)"
        }
        _ => "INSERT INTO raw_records VALUES (?, ?, 'contact', ?, ?)",
    };
    let started = Instant::now();
    let mut latencies = Vec::new();
    while started.elapsed() < run_for {
        let sent = Instant::now();
        let tx = db.begin().await.unwrap();
        tx.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [
                uuid::Uuid::now_v7().to_string().into(),
                uuid::Uuid::new_v4().to_string().into(),
                r#"{"notes":"Мать дома"}"#.into(),
                chrono::Utc::now().to_rfc3339().into(),
            ],
        ))
        .await
        .unwrap();
        tx.commit().await.unwrap();
        latencies.push(sent.elapsed());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    Outcome {
        rate: latencies.len() as f64 / elapsed,
        p50: at(0.5),
        p99: at(0.99),
        failed: 0,
    }
}
