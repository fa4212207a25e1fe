//! Reminders and escalations from the deadline worker, through the method's rules: requests are
//! recorded with back-dated facts, so their deadlines have passed by the time the worker runs.
//! What people see goes through GraphQL; the worker is driven directly, at the instant the test
//! chooses, as `kurator worker` drives it.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use hmac::{Hmac, Mac};
use kurator_casework::worker::{DeadlineWorker, Failpoint, TenantRun, WorkerError};
use kurator_tests::app::spawn_app_with;
use kurator_tests::casework::{Worker, clinic_request_form, demo_family};
use kurator_tests::{Backend, TestApp, db_suites, spawn_app};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};

db_suites!(
    a_missed_urgent_hour_reminds_the_curator_and_escalates_to_the_supervisor_once,
    each_person_sees_only_their_own_notifications_page_by_page,
    a_fund_case_past_ten_days_of_slip_escalates_to_the_senior_curator,
    two_workers_over_the_same_databases_take_turns_per_organisation,
    webhooks_are_signed_retried_with_backoff_and_logged_for_the_administrator,
    bad_paging_and_preferences_are_refused_with_codes,
    the_server_runs_the_worker_in_its_own_process_when_enabled,
    each_morning_a_person_gets_their_digest_and_a_supervisor_their_teams_once_a_day,
);

mod redis {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_workers_over_the_same_databases_take_turns_per_organisation() {
        let Some(backend) = kurator_tests::Backend::redis() else {
            return;
        };
        super::two_workers_over_the_same_databases_take_turns_per_organisation(backend).await
    }
}

mod smtp {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_crashed_worker_resumes_and_every_email_arrives_exactly_once() {
        super::a_crashed_worker_resumes_and_every_email_arrives_exactly_once(
            kurator_tests::Backend::embedded(),
        )
        .await
    }
}

fn clinic_request(received_at: &str) -> Value {
    json!({
        "receivedAt": received_at,
        "source": "medical_staff",
        "channel": "in_person",
        "requester": { "name": "Участковая медсестра", "position": "медсестра", "relation": "специалист" },
        "subject": { "name": "Сейтов Алихан", "birthDate": "2023-01-15", "sex": "m", "address": "г. Алматы" },
        "parents": { "mother": { "name": "Сейтова Айжан", "whereabouts": "неизвестно", "occupation": "нет" } },
        "grounds": "Ребёнок оставлен без присмотра",
        "followUp": "Выезд социального работника",
        "triage": { "classifications": [{ "key": "risk", "value": "high" }] },
        "form": clinic_request_form()
    })
}

/// A high-risk request in April: its one-hour urgent protection is long overdue today.
async fn high_risk_case(worker: &Worker<'_>) -> String {
    let registered = worker
        .register_signal(clinic_request("2026-04-06T04:00:00Z"))
        .await;
    let signal = registered.data()["registerSignal"].clone();
    let decided = worker
        .decide_signal(
            signal["id"].as_str().unwrap(),
            1,
            json!({ "kind": "ACCEPT", "family": { "child": "Сейтов Алихан" } }),
            "2026-04-06T04:05:00Z",
        )
        .await;
    decided.data()["decideSignal"]["caseId"]
        .as_str()
        .unwrap_or_else(|| panic!("{:#}", decided.body))
        .to_owned()
}

/// A deadline worker over the application's databases, with `leases` shared or its own.
async fn worker_of(
    app: &TestApp,
    leases: Option<kurator_platform::lease::SharedLeases>,
    overrides: Value,
) -> DeadlineWorker {
    let mut settings = app.state.inner.settings.clone();
    let mut worker = json!({ "retry_base_ms": 1, "claim_seconds": 1 });
    merge(
        &mut worker,
        overrides.get("worker").cloned().unwrap_or(json!({})),
    );
    settings.worker = serde_json::from_value(json!({
        "enabled": false, "interval_ms": 100, "batch": 200, "lease_seconds": 60,
        "digest_hour": 8, "max_attempts": 5, "retry_base_ms": worker["retry_base_ms"],
        "claim_seconds": worker["claim_seconds"],
    }))
    .unwrap();
    if let Some(smtp) = overrides.get("smtp") {
        settings.smtp = serde_json::from_value(smtp.clone()).unwrap();
    }
    let leases = match leases {
        Some(leases) => leases,
        None => kurator_gateway::app::leases(&settings).await.unwrap(),
    };
    DeadlineWorker::new(
        app.state.inner.tenants.clone(),
        app.state.inner.control.clone(),
        leases,
        settings.worker.clone(),
        &settings.smtp,
        "https://kurator.example".into(),
    )
    .unwrap()
}

fn merge(base: &mut Value, overrides: Value) {
    if let (Value::Object(base), Value::Object(overrides)) = (base, overrides) {
        for (k, v) in overrides {
            base.insert(k, v);
        }
    }
}

fn run_of<'r>(report: &'r [(String, TenantRun)], tenant: &str) -> &'r TenantRun {
    &report.iter().find(|(t, _)| t == tenant).unwrap().1
}

async fn notifications(worker: &Worker<'_>) -> Vec<Value> {
    let page = worker
        .ok(
            "{ notifications(first: 100) { edges { node { id kind caseNumber title body link readAt } } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    page["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn unread(worker: &Worker<'_>) -> i64 {
    worker.ok("{ unreadNotificationCount }", json!({})).await["unreadNotificationCount"]
        .as_i64()
        .unwrap()
}

// seed 004 §7, 1-этап: urgent protection within the hour; a missed hour goes to the supervisor
// at once — the clinic's variant says so, not the code.
async fn a_missed_urgent_hour_reminds_the_curator_and_escalates_to_the_supervisor_once(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    high_risk_case(&curator).await;
    // The supervisor reads English.
    supervisor
        .ok(
            "mutation { setNotificationPreferences(language: \"en\") { language email } }",
            json!({}),
        )
        .await;

    // The runs happen at midnight and at one in the morning in Almaty (UTC+5), whenever the
    // suite runs: the morning digest (08:00 local) is not due in either, so what the second run
    // could add is only a repeat.
    let midnight = Utc::now()
        .date_naive()
        .and_hms_opt(19, 0, 0)
        .unwrap()
        .and_utc();
    let worker = worker_of(&app, None, json!({})).await;
    let report = worker.run_once(midnight).await.unwrap();
    assert!(run_of(&report, "clinic").leased);
    assert!(run_of(&report, "clinic").notifications >= 2, "{report:?}");

    let mine = notifications(&curator).await;
    let overdue: Vec<_> = mine.iter().filter(|n| n["kind"] == "overdue").collect();
    assert!(!overdue.is_empty(), "{mine:#?}");
    let urgent = overdue
        .iter()
        .find(|n| n["body"].as_str().unwrap().contains("Срочные меры"))
        .unwrap_or_else(|| panic!("{mine:#?}"));
    assert!(
        urgent["title"]
            .as_str()
            .unwrap()
            .starts_with("Просрочено: случай №")
    );
    assert!(
        urgent["link"]
            .as_str()
            .unwrap()
            .starts_with("https://kurator.example/o/clinic/cases/")
    );
    let escalations: Vec<_> = notifications(&supervisor)
        .await
        .into_iter()
        .filter(|n| n["kind"] == "escalation")
        .collect();
    assert_eq!(escalations.len(), 1, "{escalations:#?}");
    assert!(
        escalations[0]["title"]
            .as_str()
            .unwrap()
            .starts_with("Escalation: case No."),
        "{escalations:#?}"
    );
    // No family names, no free text from the case.
    for n in mine.iter().chain(&escalations) {
        let text = format!("{}{}", n["title"], n["body"]);
        for personal in ["Сейтов", "Айжан", "присмотра", "Алматы"] {
            assert!(!text.contains(personal), "{text}");
        }
    }

    // Again, and an hour later: nothing is sent twice.
    let before = unread(&curator).await + unread(&supervisor).await;
    worker.run_once(midnight).await.unwrap();
    let restarted = worker_of(&app, None, json!({})).await;
    restarted
        .run_once(midnight + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(unread(&curator).await + unread(&supervisor).await, before);
}

async fn each_person_sees_only_their_own_notifications_page_by_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let other = Worker::sign_in(&app, "clinic.curator2").await;
    for _ in 0..3 {
        high_risk_case(&curator).await;
    }
    worker_of(&app, None, json!({}))
        .await
        .run_once(Utc::now())
        .await
        .unwrap();
    let all = notifications(&curator).await;
    assert!(all.len() >= 3, "{all:#?}");
    assert_eq!(unread(&curator).await, all.len() as i64);
    assert_eq!(unread(&other).await, 0);
    assert!(notifications(&other).await.is_empty());

    // Two at a time, newest first, with nothing skipped or repeated.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = curator
            .ok(
                "query($after: String) { notifications(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after }),
            )
            .await;
        let connection = &page["notifications"];
        for edge in connection["edges"].as_array().unwrap() {
            seen.push(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    let ids: Vec<String> = all
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, ids);

    // Another person's ids are ignored; one's own are marked once.
    let marked = other
        .ok(
            "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }",
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(marked["markNotificationsRead"], 0);
    let marked = curator
        .ok(
            "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }",
            json!({ "ids": [ids[0]] }),
        )
        .await;
    assert_eq!(marked["markNotificationsRead"], 1);
    assert_eq!(unread(&curator).await, all.len() as i64 - 1);
    let unread_only = curator
        .ok(
            "{ notifications(first: 100, unreadOnly: true) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        unread_only["notifications"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        all.len() - 1
    );
}

// seed 000 §13: at most 10 days of accumulated deadline slip per case; past it, the senior
// curator hears of it (the fund's variant declares the escalation).
async fn a_fund_case_past_ten_days_of_slip_escalates_to_the_senior_curator(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "fund.curator").await;
    // fund.supervisor holds the method role senior_curator.
    let senior = Worker::sign_in(&app, "fund.supervisor").await;
    let registered = curator
        .register_signal(json!({
            "receivedAt": "2026-04-06T07:00:00Z",
            "source": "school",
            "channel": "call",
            "requester": { "name": "Социальный педагог школы", "relation": "педагог" },
            "subject": { "name": "Семья Ивановых", "address": "Смоленская обл." },
            "parents": { "mother": { "name": "Иванова Мария", "whereabouts": "дома", "occupation": "нет" } },
            "grounds": "Семья в трудной ситуации",
            "followUp": "Первичный выезд",
        }))
        .await;
    let signal = registered.data()["registerSignal"].clone();
    let decided = senior
        .decide_signal(
            signal["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{:#}", registered.body)),
            1,
            json!({ "kind": "ACCEPT", "family": demo_family("Иванов") }),
            "2026-04-06T07:30:00Z",
        )
        .await;
    assert!(decided.errors().is_empty(), "{:#}", decided.body);

    let worker = worker_of(&app, None, json!({})).await;
    worker.run_once(Utc::now()).await.unwrap();
    let escalations: Vec<_> = notifications(&senior)
        .await
        .into_iter()
        .filter(|n| n["kind"] == "escalation")
        .collect();
    assert_eq!(escalations.len(), 1, "{escalations:#?}");
    assert!(
        escalations[0]["body"]
            .as_str()
            .unwrap()
            .contains("задержка"),
        "{escalations:#?}"
    );
    assert!(!escalations[0]["body"].as_str().unwrap().contains("Иванов"));
    // Once per case, whatever the runs.
    worker_of(&app, None, json!({}))
        .await
        .run_once(Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    let again = notifications(&senior)
        .await
        .into_iter()
        .filter(|n| n["kind"] == "escalation")
        .count();
    assert_eq!(again, 1);
}

async fn two_workers_over_the_same_databases_take_turns_per_organisation(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    high_risk_case(&curator).await;
    high_risk_case(&curator).await;
    // The embedded default shares leases in the process; with Redis each worker connects itself.
    let shared = if app.backend.redis.is_some() {
        None
    } else {
        Some(
            kurator_gateway::app::leases(&app.state.inner.settings)
                .await
                .unwrap(),
        )
    };
    let a = worker_of(&app, shared.clone(), json!({})).await;
    let b = worker_of(&app, shared, json!({})).await;
    let now = Utc::now();
    let (ra, rb) = tokio::join!(a.run_once(now), b.run_once(now));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    for tenant in ["clinic", "fund", "state_centre", "volunteers"] {
        assert!(
            run_of(&ra, tenant).leased ^ run_of(&rb, tenant).leased,
            "{tenant}: exactly one worker is active: {ra:?} {rb:?}"
        );
    }
    // The one that did not get the clinic waits until the other lets go.
    let (holder, waiting) = if run_of(&ra, "clinic").leased {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let total = unread(&curator).await;
    assert!(total >= 2);
    assert!(!run_of(&waiting.run_once(now).await.unwrap(), "clinic").leased);
    holder.release().await;
    let taken_over = waiting.run_once(now).await.unwrap();
    assert!(run_of(&taken_over, "clinic").leased);
    assert_eq!(run_of(&taken_over, "clinic").notifications, 0);
    assert_eq!(unread(&curator).await, total);
}

type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A webhook receiver on loopback: answers 500 to the first delivery, 200 afterwards.
async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let router =
        axum::Router::new()
            .route(
                "/hook",
                axum::routing::post(
                    |State(received): State<Received>,
                     headers: HeaderMap,
                     body: axum::body::Bytes| async move {
                        let mut all = received.lock().unwrap();
                        all.push((headers, body.to_vec()));
                        if all.len() == 1 {
                            StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            StatusCode::OK
                        }
                    },
                ),
            )
            .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://127.0.0.1:{port}/hook"), received)
}

async fn webhooks_are_signed_retried_with_backoff_and_logged_for_the_administrator(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let (url, received) = receiver().await;
    let secret = "a-long-enough-secret-for-hmac";
    let added = admin
        .gql(
            "mutation($url: String!, $secret: String!) { addWebhook(url: $url, secret: $secret) { id url active } }",
            json!({ "url": url, "secret": secret }),
        )
        .await;
    assert!(added.errors().is_empty(), "{:#}", added.body);
    let refused = curator
        .gql(
            "mutation($url: String!) { addWebhook(url: $url, secret: \"0123456789abcdef\") { id } }",
            json!({ "url": url }),
        )
        .await;
    assert_eq!(refused.error_code(), "FORBIDDEN");
    high_risk_case(&curator).await;

    let worker = worker_of(&app, None, json!({})).await;
    let first = worker.run_once(Utc::now()).await.unwrap();
    assert!(run_of(&first, "clinic").failed_attempts >= 1, "{first:?}");
    // The retry waits its backoff; later runs deliver the rest.
    for minutes in [1, 2, 3] {
        worker
            .run_once(Utc::now() + chrono::Duration::minutes(minutes))
            .await
            .unwrap();
    }
    let received = received.lock().unwrap().clone();
    assert!(received.len() >= 2, "{}", received.len());
    let mut deliveries = std::collections::BTreeMap::new();
    for (headers, body) in &received {
        let signature = headers["x-kurator-signature"].to_str().unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        assert_eq!(
            signature,
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
        let payload: Value = serde_json::from_slice(body).unwrap();
        assert!(payload["case"]["number"].is_i64(), "{payload}");
        assert!(!String::from_utf8_lossy(body).contains("Сейтов"));
        *deliveries
            .entry(headers["x-kurator-delivery"].to_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    // Only the one that failed came twice.
    assert_eq!(
        deliveries.values().filter(|n| **n == 2).count(),
        1,
        "{deliveries:?}"
    );
    assert!(deliveries.values().all(|n| *n <= 2));

    let log = admin
        .ok(
            "{ webhookDeliveries(first: 100) { nodes { deliveryId attempt ok statusCode error } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    let nodes = log["webhookDeliveries"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), received.len());
    assert!(
        nodes
            .iter()
            .any(|n| n["ok"] == false && n["statusCode"] == 500)
    );
    assert!(nodes.iter().any(|n| n["ok"] == true && n["attempt"] == 2));
    let hidden = curator
        .gql(
            "{ webhookDeliveries(first: 5) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(hidden.error_code(), "FORBIDDEN");
}

async fn bad_paging_and_preferences_are_refused_with_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let code = |r: &kurator_tests::GqlResponse| {
        r.errors()[0]["extensions"]["details"]["problems"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    for (query, expected) in [
        (
            "{ notifications(first: 0) { edges { cursor } } }",
            "page_size_out_of_range",
        ),
        (
            "{ notifications(first: 1000) { edges { cursor } } }",
            "page_size_out_of_range",
        ),
        (
            "{ notifications(first: 5, after: \"garbage\") { edges { cursor } } }",
            "unknown_cursor",
        ),
        (
            "mutation { markNotificationsRead(ids: [\"nope\"]) }",
            "invalid_notification_id",
        ),
        (
            "mutation { setNotificationPreferences(language: \"de\") { language } }",
            "unknown_language",
        ),
        (
            "mutation { setNotificationPreferences(language: \"kk\", email: \"not an address\") { language } }",
            "email_invalid",
        ),
    ] {
        let response = curator.gql(query, json!({})).await;
        assert_eq!(
            response.error_code(),
            "BAD_USER_INPUT",
            "{query}: {:#}",
            response.body
        );
        assert_eq!(code(&response), expected, "{query}: {:#}", response.body);
        assert!(
            response
                .error_message()
                .chars()
                .any(|c| ('а'..='я').contains(&c))
        );
    }
    for (url, secret, expected) in [
        (
            "ftp://example.org/hook",
            "0123456789abcdef",
            "webhook_url_invalid",
        ),
        (
            "https://example.org/hook",
            "short",
            "webhook_secret_too_short",
        ),
    ] {
        let response = admin
            .gql(
                "mutation($u: String!, $s: String!) { addWebhook(url: $u, secret: $s) { id } }",
                json!({ "u": url, "s": secret }),
            )
            .await;
        assert_eq!(code(&response), expected, "{:#}", response.body);
    }
    let set = curator
        .ok(
            "mutation { setNotificationPreferences(language: \"kk\", email: \"dinara@example.kz\") { language email } }",
            json!({}),
        )
        .await;
    assert_eq!(set["setNotificationPreferences"]["language"], "kk");
    let read = curator
        .ok("{ notificationPreferences { language email } }", json!({}))
        .await;
    assert_eq!(
        read["notificationPreferences"]["email"],
        "dinara@example.kz"
    );
}

/// A real SMTP server on loopback (Python's aiosmtpd), keeping each message in a maildir.
struct SmtpServer {
    port: u16,
    maildir: tempfile::TempDir,
    child: std::process::Child,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpServer {
    async fn start() -> Option<Self> {
        let available = std::process::Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            if std::env::var("KURATOR_TEST_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                panic!(
                    "aiosmtpd is not installed but KURATOR_TEST_REQUIRE_SERVICES=1: pip install aiosmtpd"
                );
            }
            eprintln!("skipped: aiosmtpd is not installed, the smtp suite does not run");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Owned at once, so it is killed and waited for however the test ends.
        let server = Self {
            port,
            maildir,
            child,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(server);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    /// The Message-ID of every message received.
    fn message_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.path().join("mail").join(sub)) else {
                continue;
            };
            for entry in entries {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                let id = text
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix("Message-ID: ")
                            .or_else(|| l.strip_prefix("Message-Id: "))
                    })
                    .unwrap_or_default()
                    .to_owned();
                assert!(!text.contains("Сейтов"), "{text}");
                ids.push(id);
            }
        }
        ids.sort();
        ids
    }
}

async fn a_crashed_worker_resumes_and_every_email_arrives_exactly_once(backend: Backend) {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let app = spawn_app_with(backend, json!({})).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    for (who, email) in [
        (&curator, "dinara@example.kz"),
        (&supervisor, "gulnara@example.kz"),
    ] {
        who.ok(
            "mutation($e: String) { setNotificationPreferences(language: \"ru\", email: $e) { email } }",
            json!({ "e": email }),
        )
        .await;
    }
    high_risk_case(&curator).await;
    high_risk_case(&curator).await;
    let smtp_settings = json!({ "smtp": {
        "host": "127.0.0.1", "port": smtp.port, "security": "none",
        "from": "Kurator <noreply@kurator.example>", "timeout_seconds": 10
    } });
    let now = Utc::now();

    // Dies right after planning: the messages are planned, nothing is sent.
    let crashed = worker_of(&app, None, smtp_settings.clone())
        .await
        .with_failpoint(Some(Failpoint::AfterPlanning));
    assert!(matches!(
        crashed.run_once(now).await,
        Err(WorkerError::Crashed(Failpoint::AfterPlanning))
    ));
    assert!(smtp.message_ids().is_empty());
    let planned = unread(&curator).await + unread(&supervisor).await;
    assert!(planned >= 3, "{planned}");

    // Restarted, it dies again after the first e-mail.
    let crashed = worker_of(&app, None, smtp_settings.clone())
        .await
        .with_failpoint(Some(Failpoint::AfterFirstDelivery));
    assert!(crashed.run_once(now).await.is_err());
    assert_eq!(smtp.message_ids().len(), 1);

    // Restarted once more, it delivers the rest; then nothing more, whatever the runs.
    let worker = worker_of(&app, None, smtp_settings.clone()).await;
    worker.run_once(now).await.unwrap();
    worker
        .run_once(now + chrono::Duration::hours(2))
        .await
        .unwrap();
    let ids = smtp.message_ids();
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an e-mail arrived twice: {ids:?}");
    // Every in-app reminder and escalation has its e-mail (digests too, once the day's hour
    // came), each exactly once.
    assert_eq!(
        ids.len() as i64,
        unread(&curator).await + unread(&supervisor).await
    );
}

// The embedded default: `kurator serve` runs the worker itself (on by default; the test settings
// turn it off for every other test).
async fn the_server_runs_the_worker_in_its_own_process_when_enabled(backend: Backend) {
    let app = spawn_app_with(
        backend,
        json!({ "worker": { "enabled": true, "interval_ms": 100 } }),
    )
    .await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    high_risk_case(&curator).await;
    for _ in 0..100 {
        if unread(&curator).await > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the in-process worker reminded nobody");
}

async fn digests(worker: &Worker<'_>) -> Vec<Value> {
    notifications(worker)
        .await
        .into_iter()
        .filter(|n| n["kind"] == "digest")
        .collect()
}

async fn each_morning_a_person_gets_their_digest_and_a_supervisor_their_teams_once_a_day(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let curator = Worker::sign_in(&app, "clinic.curator").await;
    let supervisor = Worker::sign_in(&app, "clinic.supervisor").await;
    let case = high_risk_case(&curator).await;
    // The case gets a curator, whose digest lists it.
    let v = curator.case(&case, "2026-04-06T04:10:00Z").await["version"]
        .as_i64()
        .unwrap();
    let assigned = supervisor.assign_curator(&case, v, &curator.user_id).await;
    assert!(assigned.errors().is_empty(), "{:#}", assigned.body);

    // Tomorrow 06:00 in Almaty (UTC+5): before the digest hour.
    let tomorrow = (Utc::now() + chrono::Duration::days(1)).date_naive();
    let at = |hour: u32| tomorrow.and_hms_opt(hour, 0, 0).unwrap().and_utc();
    let worker = worker_of(&app, None, json!({})).await;
    worker.run_once(at(1)).await.unwrap();
    assert!(digests(&curator).await.is_empty());
    // 08:00 and 12:00 in Almaty: one digest each, whatever the runs.
    worker.run_once(at(3)).await.unwrap();
    worker_of(&app, None, json!({}))
        .await
        .run_once(at(7))
        .await
        .unwrap();
    let mine = digests(&curator).await;
    assert_eq!(mine.len(), 1, "{mine:#?}");
    assert!(
        mine[0]["title"]
            .as_str()
            .unwrap()
            .starts_with("Сводка на сегодня")
    );
    assert!(mine[0]["body"].as_str().unwrap().contains("Случай №"));
    let team = digests(&supervisor).await;
    assert_eq!(team.len(), 1, "{team:#?}");
    assert!(
        team[0]["title"]
            .as_str()
            .unwrap()
            .starts_with("Сводка по команде")
    );
    for n in mine.iter().chain(&team) {
        assert!(!n["body"].as_str().unwrap().contains("Сейтов"));
    }
    // The next morning, the next digest.
    worker
        .run_once(at(3) + chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(digests(&curator).await.len(), 2);
}
