//! A page of cases costs the same however many cases the organisation holds: the rows the
//! database reads for a curator's first page, a supervisor's overdue page and a search by surname
//! are the same for an organisation of 50 cases and one of 5 000 (issue 9, «lists in SQL»); so
//! are those of the supervisor's board, which reads the active cases only.
//!
//! On PostgreSQL every statement a page ran is explained with `ANALYZE`, and the rows its scans
//! read are summed; on SQLite, which cannot count them, each statement's plan must use indexes
//! only (no scan of a whole table, no walk of an index over the whole organisation) and return
//! the same rows.

use kurator_store::tenant::entities::{case, case_obligation};
use kurator_tests::casework::{Worker, demo_family};
use kurator_tests::{Backend, TestApp, db_suites, spawn_app};
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, Statement};
use serde_json::{Value, json};

db_suites!(a_page_reads_the_same_rows_for_50_and_for_5000_cases);

const AS_OF: &str = "2026-09-01T00:00:00Z";

/// What one page costs the database: rows its scans read (PostgreSQL) or rows its statements
/// returned (SQLite, after checking each plan uses indexes only), and how many cases it showed.
async fn cost_of(
    app: &TestApp,
    worker: &Worker<'_>,
    query: &str,
    variables: Value,
) -> (u64, usize) {
    let runtime = app.tenant_runtime("fund");
    runtime.statement_counter().start_recording();
    let data = worker.ok(query, variables).await;
    let statements = runtime.statement_counter().stop_recording();
    let shown = data["cases"]["edges"]
        .as_array()
        .or(data["board"].as_array())
        .map_or(0, Vec::len);
    let tx = runtime.begin().await.unwrap();
    let mut rows = 0;
    for statement in statements
        .iter()
        .filter(|s| s.sql.trim_start().to_uppercase().starts_with("SELECT"))
        .filter(|s| !s.sql.contains("set_config"))
    {
        rows += match statement.db_backend {
            DatabaseBackend::Postgres => rows_scanned(tx.conn(), statement).await,
            _ => rows_returned_with_indexes(tx.conn(), statement).await,
        };
    }
    tx.rollback().await.unwrap();
    (rows, shown)
}

async fn rows_scanned(conn: &impl ConnectionTrait, statement: &Statement) -> u64 {
    let explain = Statement {
        sql: format!("EXPLAIN (ANALYZE, FORMAT JSON) {}", statement.sql),
        ..statement.clone()
    };
    let row = conn.query_one_raw(explain).await.unwrap().unwrap();
    let plan: Value = row.try_get_by_index::<Value>(0).unwrap();
    fn walk(node: &Value) -> u64 {
        let kind = node["Node Type"].as_str().unwrap_or_default();
        let own = if kind.contains("Scan") {
            let rows = node["Actual Rows"].as_u64().unwrap_or(0);
            let loops = node["Actual Loops"].as_u64().unwrap_or(1);
            rows * loops
        } else {
            0
        };
        own + node["Plans"]
            .as_array()
            .map_or(0, |plans| plans.iter().map(walk).sum())
    }
    let rows = walk(&plan[0]["Plan"]);
    if std::env::var("KURATOR_TEST_SHOW_PLANS").is_ok() {
        eprintln!("{rows} rows: {}\n{:#}", statement.sql, plan[0]["Plan"]);
    }
    rows
}

async fn rows_returned_with_indexes(conn: &impl ConnectionTrait, statement: &Statement) -> u64 {
    let explain = Statement {
        sql: format!("EXPLAIN QUERY PLAN {}", statement.sql),
        ..statement.clone()
    };
    for step in conn.query_all_raw(explain).await.unwrap() {
        let detail: String = step.try_get("", "detail").unwrap();
        if std::env::var("KURATOR_TEST_SHOW_PLANS").is_ok() {
            eprintln!(
                "{detail}    <- {}",
                &statement.sql[..statement.sql.len().min(120)]
            );
        }
        let whole_table = detail.starts_with("SCAN ")
            && !detail.contains("USING")
            && !detail.contains("CONSTANT ROW")
            && !detail.contains("json_each");
        assert!(
            !whole_table,
            "a page scans a whole table: {detail}\n{}",
            statement.sql
        );
        assert!(
            !walks_the_organisation(&detail),
            "a page walks every case or record of the organisation: {detail}\n{}",
            statement.sql
        );
    }
    conn.query_all_raw(statement.clone()).await.unwrap().len() as u64
}

/// Whether a step of a SQLite plan reads every case (or every record, every record of a kind,
/// every case with a curator) of the organisation through an index: the tests run SQLite without
/// statistics, as a long-lived connection may, and its planner then likes to walk an index that
/// leads with the tenant in the order a page wants.
fn walks_the_organisation(detail: &str) -> bool {
    const CASE_TABLES: [&str; 11] = [
        "cases",
        "c",
        "case_records",
        "p",
        "d",
        "case_members",
        "plan_actions",
        "a",
        "plan_revisions",
        "r",
        "case_obligations",
    ];
    let Some(rest) = detail.strip_prefix("SEARCH ") else {
        return false;
    };
    let table = rest.split_whitespace().next().unwrap_or_default();
    CASE_TABLES.contains(&table)
        && (detail.ends_with("(tenant_id=?)")
            || detail.ends_with("(tenant_id=? AND kind=?)")
            || detail.ends_with("(tenant_id=? AND curator_id>?)"))
}

/// Adds `n` older cases to the organisation, closed as most of a large organisation's are (its
/// work in progress is bounded by the caseload policy, not by its history), all curated by
/// someone else.
async fn older_cases(app: &TestApp, n: usize) {
    let runtime = app.tenant_runtime("fund");
    let tx = runtime.begin().await.unwrap();
    let tenant = tx.tenant_id().0;
    let other_curator = uuid::Uuid::now_v7();
    let long_ago = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let mut cases = Vec::new();
    let mut obligations = Vec::new();
    for i in 0..n {
        let opened = long_ago + chrono::Duration::hours(i as i64);
        let open = false;
        let id = uuid::Uuid::now_v7();
        let due = opened + chrono::Duration::days(30);
        cases.push(case::ActiveModel {
            id: sea_orm::Set(id),
            tenant_id: sea_orm::Set(tenant),
            signal_id: sea_orm::Set(None),
            family: sea_orm::Set(json!({ "name": format!("Семья Давняя{i}") })),
            variant_key: sea_orm::Set("fund".into()),
            variant_version: sea_orm::Set(1),
            status: sea_orm::Set(if open { "open" } else { "closed" }.into()),
            stage: sea_orm::Set("closure".into()),
            stage_entered_at: sea_orm::Set(opened),
            curator_id: sea_orm::Set(Some(other_curator)),
            attributes: sea_orm::Set(json!({ "complexity": "low" })),
            opened_at: sea_orm::Set(opened),
            closed_at: sea_orm::Set((!open).then_some(opened + chrono::Duration::days(200))),
            post_support_until: sea_orm::Set(None),
            outcome: sea_orm::Set(None),
            parent_case_id: sea_orm::Set(None),
            version: sea_orm::Set(1),
            created_at: sea_orm::Set(opened),
            updated_at: sea_orm::Set(opened),
            next_due_at: sea_orm::Set(open.then_some(due)),
            number: sea_orm::Set(Some(100_000 + i as i64)),
        });
        if open {
            obligations.push(case_obligation::ActiveModel {
                tenant_id: sea_orm::Set(tenant),
                case_id: sea_orm::Set(id),
                key: sea_orm::Set("case_duration".into()),
                kind: sea_orm::Set("case_duration".into()),
                subject: sea_orm::Set(String::new()),
                from_at: sea_orm::Set(opened),
                due_at: sea_orm::Set(due),
                remind_at: sea_orm::Set(due - chrono::Duration::days(1)),
                status: sea_orm::Set("overdue".into()),
                updated_at: sea_orm::Set(opened),
            });
        }
    }
    while !cases.is_empty() {
        let chunk: Vec<_> = cases.drain(..cases.len().min(400)).collect();
        case::Entity::insert_many(chunk)
            .exec_without_returning(tx.conn())
            .await
            .unwrap();
    }
    while !obligations.is_empty() {
        let chunk: Vec<_> = obligations.drain(..obligations.len().min(400)).collect();
        case_obligation::Entity::insert_many(chunk)
            .exec_without_returning(tx.conn())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// What autovacuum does after many rows change: the planner's statistics are current.
async fn analyze(app: &TestApp) {
    if app.backend.postgres.is_some() {
        let owner = sea_orm::Database::connect(app.backend.tenant_url("fund"))
            .await
            .unwrap();
        owner.execute_unprepared("ANALYZE").await.unwrap();
    }
}

/// The board (its counts come from one aggregate over the active cases), or a page of cases.
fn query_of(filter: &Value) -> &'static str {
    if filter == "board" { BOARD } else { PAGE }
}

const BOARD: &str = "query { board(asOf: \"2026-09-01T00:00:00Z\") {
    curatorId activeCases overdueCases casesWithoutPlanAction nextCase { decision spare }
} }";

const PAGE: &str = "query($filter: CaseFilter!) {
    cases(filter: $filter, first: 20, asOf: \"2026-09-01T00:00:00Z\") {
        edges { node { id number obligations { key } } }
    }
}";

async fn a_page_reads_the_same_rows_for_50_and_for_5000_cases(backend: Backend) {
    let app = spawn_app(backend).await;
    let lead = Worker::sign_in(&app, "fund.supervisor").await;
    let curator = Worker::sign_in(&app, "fund.curator").await;
    // 50 cases of the organisation's present work: 45 in intake, 5 on the curator.
    for i in 0..50 {
        let curator_id = (i % 10 == 0).then_some(curator.user_id.as_str());
        let opened = lead
            .open_case(
                demo_family(&format!("Нынешнев{i}")),
                json!({ "complexity": "low" }),
                &format!("2026-04-{:02}T07:{:02}:00Z", 1 + i / 10, i % 60),
                curator_id,
            )
            .await;
        assert!(opened.errors().is_empty(), "{:#}", opened.body);
    }
    lead.open_case(
        demo_family("Искомов"),
        json!({ "complexity": "low" }),
        "2026-03-01T07:00:00Z",
        None,
    )
    .await;
    analyze(&app).await;
    let pages: [(&Worker, Value); 4] = [
        (&curator, json!({ "mine": true })),
        (&lead, json!({ "overdue": true })),
        (&lead, json!({ "search": "искомо" })),
        (&lead, json!("board")),
    ];
    let mut small = Vec::new();
    for (worker, filter) in &pages {
        small.push(cost_of(&app, worker, query_of(filter), json!({ "filter": filter })).await);
    }
    assert_eq!(small[0].1, 5, "the curator's own cases");
    assert_eq!(small[1].1, 20, "a full page of overdue cases at {AS_OF}");
    assert_eq!(
        small[2].1, 1,
        "the family found by the start of its surname"
    );

    older_cases(&app, 4_950).await;
    analyze(&app).await;
    for ((worker, filter), (rows_small, shown_small)) in pages.iter().zip(&small) {
        let (rows_large, shown_large) =
            cost_of(&app, worker, query_of(filter), json!({ "filter": filter })).await;
        eprintln!("{filter}: {rows_small} rows read for 50 cases, {rows_large} for 5 000");
        assert_eq!(shown_large, *shown_small, "{filter}");
        assert!(
            rows_large <= rows_small + rows_small / 5 + 5,
            "{filter}: {rows_small} rows read for 50 cases, {rows_large} for 5 000"
        );
    }
}
