//! Administrative changes live in the control plane (people, roles, organisations) and their
//! audit records in each organisation's own trail, another database. The record is written into
//! the control plane's outbox in the same transaction as the change, then delivered: the change
//! and its record commit together, and a trail that cannot be written to at that moment gets the
//! record later, once. The tests fail the second half on purpose — the trail refuses writes — and
//! show the record waits and arrives exactly once.

use chrono::Utc;
use kurator_casework::worker::{DeadlineWorker, TenantRun};
use kurator_tests::casework::Worker;
use kurator_tests::{Backend, TestApp, db_suites, spawn_app};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

db_suites!(
    a_change_whose_trail_refuses_the_record_commits_with_it_in_the_outbox_and_the_worker_delivers_it_once,
    a_refused_change_leaves_nothing_in_the_outbox_or_the_trail,
    a_delivery_repeated_after_a_crash_writes_nothing_twice,
);

const CREATE: &str = "mutation($l: String!, $n: String!, $p: String!, $r: TenantRole!) {
    createMember(login: $l, displayName: $n, password: $p, role: $r) { id login roles }
}";
const GRANT: &str =
    "mutation($u: ID!, $r: TenantRole!) { grantRole(userId: $u, role: $r) { id roles } }";

/// The fund's database as its owner sees it (the tests' own connection, not the application's).
async fn fund_database(backend: &Backend) -> DatabaseConnection {
    Database::connect(backend.tenant_url("fund")).await.unwrap()
}

async fn control_database(backend: &Backend) -> DatabaseConnection {
    Database::connect(backend.control_url()).await.unwrap()
}

/// Makes the fund's audit trail refuse every new record (`true`), or accept them again.
async fn refuse_audit_writes(db: &DatabaseConnection, refuse: bool) {
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let statements: &[&str] = match (postgres, refuse) {
        (false, true) => &["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'the audit trail is unavailable'); END"],
        (false, false) => &["DROP TRIGGER refuse_audit"],
        (true, true) => &[
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'the audit trail is unavailable'; END $$",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
             FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ],
        (true, false) => &[
            "DROP TRIGGER refuse_audit ON audit_log",
            "DROP FUNCTION refuse_audit()",
        ],
    };
    for statement in statements {
        db.execute_unprepared(statement).await.unwrap();
    }
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

async fn pending(control: &DatabaseConnection) -> i64 {
    count(
        control,
        "SELECT count(*) FROM audit_outbox WHERE delivered_at IS NULL",
    )
    .await
}

async fn in_trail(fund: &DatabaseConnection, action: &str) -> i64 {
    count(
        fund,
        &format!("SELECT count(*) FROM audit_log WHERE action = '{action}'"),
    )
    .await
}

fn worker(app: &TestApp) -> DeadlineWorker {
    let settings = &app.state.inner.settings;
    DeadlineWorker::new(
        app.state.inner.tenants.clone(),
        app.state.inner.control.clone(),
        std::sync::Arc::new(kurator_platform::lease::InProcessLeases::new()),
        settings.worker.clone(),
        &settings.smtp,
        "https://kurator.example".into(),
    )
    .unwrap()
}

async fn fund_run(worker: &DeadlineWorker) -> TenantRun {
    let report = worker.run_once(Utc::now()).await.unwrap();
    report
        .into_iter()
        .find(|(tenant, _)| tenant == "fund")
        .unwrap()
        .1
}

async fn trail(admin: &Worker<'_>, action: &str) -> Vec<Value> {
    admin
        .ok(
            "query($a: String) { auditLog(action: $a) { id at action actorId entityId after } }",
            json!({ "a": action }),
        )
        .await["auditLog"]
        .as_array()
        .unwrap()
        .clone()
}

async fn a_change_whose_trail_refuses_the_record_commits_with_it_in_the_outbox_and_the_worker_delivers_it_once(
    backend: Backend,
) {
    let app = spawn_app(backend.clone()).await;
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let (fund, control) = (
        fund_database(&backend).await,
        control_database(&backend).await,
    );
    let admin_id = admin.ok("{ me { id } }", json!({})).await["me"]["id"].clone();

    refuse_audit_writes(&fund, true).await;
    let before = Utc::now();
    let created = admin
        .ok(
            CREATE,
            json!({ "l": "fund.new.curator", "n": "Анна Новикова", "p": "длинный-пароль-1", "r": "CURATOR" }),
        )
        .await;
    let member = created["createMember"]["id"].clone();
    let granted = admin
        .ok(GRANT, json!({ "u": member, "r": "SPECIALIST" }))
        .await;
    assert_eq!(
        granted["grantRole"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == member)
            .unwrap()["roles"],
        json!(["curator", "specialist"])
    );
    // The changes are made: the new person signs in with both roles…
    let token = app
        .try_login("fund.new.curator", "длинный-пароль-1")
        .await
        .data()["login"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = app
        .graphql("{ me { memberships { role } } }", json!({}), Some(&token))
        .await;
    assert_eq!(me.data()["me"]["memberships"].as_array().unwrap().len(), 2);
    // …while their records could not reach the trail and wait in the outbox.
    assert_eq!(in_trail(&fund, "member.create").await, 0);
    assert_eq!(in_trail(&fund, "member.grant_role").await, 0);
    assert_eq!(pending(&control).await, 2);

    // While the trail still refuses, the worker delivers nothing and loses nothing.
    let worker = worker(&app);
    assert_eq!(fund_run(&worker).await.audited, 0);
    assert_eq!(pending(&control).await, 2);

    refuse_audit_writes(&fund, false).await;
    assert_eq!(fund_run(&worker).await.audited, 2);
    assert_eq!(pending(&control).await, 0);
    assert_eq!(fund_run(&worker).await.audited, 0);

    let created = trail(&admin, "member.create").await;
    assert_eq!(created.len(), 1, "{created:#?}");
    assert_eq!(created[0]["actorId"], admin_id);
    assert_eq!(created[0]["entityId"], member);
    assert_eq!(
        created[0]["after"],
        json!({ "login": "fund.new.curator", "role": "curator" })
    );
    // The record keeps the time of the change, not of its delivery.
    let at = chrono::DateTime::parse_from_rfc3339(created[0]["at"].as_str().unwrap()).unwrap();
    assert!(at >= before && at <= Utc::now(), "{at}");
    let granted = trail(&admin, "member.grant_role").await;
    assert_eq!(granted.len(), 1, "{granted:#?}");
    assert_eq!(
        granted[0]["after"],
        json!({ "role": "specialist", "roles": ["curator", "specialist"] })
    );
}

async fn a_refused_change_leaves_nothing_in_the_outbox_or_the_trail(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let curator = Worker::sign_in(&app, "fund.curator").await;
    let (fund, control) = (
        fund_database(&backend).await,
        control_database(&backend).await,
    );
    let outbox = count(&control, "SELECT count(*) FROM audit_outbox").await;
    let taken = admin
        .gql(
            CREATE,
            json!({ "l": "fund.curator", "n": "Двойник", "p": "длинный-пароль-1", "r": "CURATOR" }),
        )
        .await;
    assert_eq!(taken.error_code(), "CONFLICT");
    let forbidden = curator
        .gql(
            CREATE,
            json!({ "l": "fund.someone", "n": "Кто-то", "p": "длинный-пароль-1", "r": "ORG_ADMIN" }),
        )
        .await;
    assert_eq!(forbidden.error_code(), "FORBIDDEN");
    let own = admin.ok("{ me { id } }", json!({})).await["me"]["id"].clone();
    let last = admin
        .gql(
            "mutation($u: ID!) { revokeRole(userId: $u, role: ORG_ADMIN) { id } }",
            json!({ "u": own }),
        )
        .await;
    assert_eq!(last.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        count(&control, "SELECT count(*) FROM audit_outbox").await,
        outbox
    );
    assert_eq!(in_trail(&fund, "member.create").await, 0);
    assert_eq!(in_trail(&fund, "member.revoke_role").await, 0);
}

async fn a_delivery_repeated_after_a_crash_writes_nothing_twice(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let admin = Worker::sign_in(&app, "fund.admin").await;
    let (fund, control) = (
        fund_database(&backend).await,
        control_database(&backend).await,
    );
    admin
        .ok(
            CREATE,
            json!({ "l": "fund.second.curator", "n": "Пётр Вторых", "p": "длинный-пароль-1", "r": "CURATOR" }),
        )
        .await;
    assert_eq!(in_trail(&fund, "member.create").await, 1);
    assert_eq!(pending(&control).await, 0);
    // A delivery that stopped after the trail's commit, before the outbox was marked.
    control
        .execute_unprepared("UPDATE audit_outbox SET delivered_at = NULL")
        .await
        .unwrap();
    assert!(pending(&control).await >= 1);
    let worker = worker(&app);
    assert_eq!(fund_run(&worker).await.audited, 0);
    assert_eq!(pending(&control).await, 0);
    assert_eq!(in_trail(&fund, "member.create").await, 1);
}
